import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth.tsx';
import { RefreshIcon, ScanIcon } from '../components/social-icons.tsx';
import { Avatar } from '../components/social-ui.tsx';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { qrDataUrl } from '../qr.ts';
import { social } from './social-api.ts';

/**
 * My "add me" code: the signed, expiring token from the server drawn as a QR code. Scanning it
 * in person is consent, so it works even when I cannot be found by phone number.
 */
export function FriendQrPage() {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const code = useAsync(async () => {
    const qr = await social.friendQr();
    return { ...qr, image: await qrDataUrl(qr.token) };
  }, []);

  return (
    <div className="page">
      <PageHeader title={t('friendQr.title')} back />
      <section className="card receive-card friend-qr-card">
        <Avatar name={me.nickname} id={me.id} size="large" />
        <p className="profile-name">{me.nickname}</p>
        <p className="muted small">{t('friendQr.subtitle')}</p>
        <div className="qr-frame">
          {code.error ? (
            <ErrorText>{errorMessage(t, code.error)}</ErrorText>
          ) : code.data && !code.loading ? (
            <img
              src={code.data.image}
              width={240}
              height={240}
              alt={t('friendQr.alt', { name: me.nickname })}
              data-token={code.data.token}
            />
          ) : (
            <Loading />
          )}
        </div>
        {code.data && (
          <p className="muted small center" data-testid="qr-expiry">
            {t('friendQr.expires', { time: f.dateTime(code.data.expiresAt) })}
          </p>
        )}
        <p className="center friend-qr-hint">{t('friendQr.hint')}</p>
        <div className="button-row friend-qr-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={code.reload}
            disabled={code.loading}
          >
            <RefreshIcon size={20} /> {t('friendQr.refresh')}
          </button>
          {code.data ? (
            <a
              className="button button-secondary"
              href={code.data.image}
              download={`hebao-friend-${me.nickname}.png`}
            >
              {t('receive.save')}
            </a>
          ) : (
            <span />
          )}
        </div>
      </section>
      <Link to="/friends/add" className="notice notice-info">
        <ScanIcon />
        <span className="notice-text">
          <strong>{t('addFriend.scan')}</strong>
          <span>{t('friendQr.scanOthers')}</span>
        </span>
      </Link>
    </div>
  );
}

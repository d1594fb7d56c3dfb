import { useTranslation } from 'react-i18next';
import { useMe } from '../auth.tsx';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useAsync } from '../hooks.ts';
import { qrDataUrl, receiveLink } from '../qr.ts';

/** My receive code: a QR of a link that opens the transfer screen addressed to me. */
export function ReceivePage() {
  const { t } = useTranslation();
  const me = useMe();
  const link = receiveLink(me.id, me.nickname);
  const { data, error } = useAsync(() => qrDataUrl(link), [link]);
  return (
    <div className="page">
      <PageHeader title={t('receive.title')} back />
      <section className="card receive-card">
        <span className="avatar avatar-large" aria-hidden="true">
          {me.nickname.slice(0, 1)}
        </span>
        <p className="profile-name">{me.nickname}</p>
        <p className="muted small">{me.phone}</p>
        <div className="qr-frame">
          {error ? (
            <ErrorText>{errorMessage(t, error)}</ErrorText>
          ) : data ? (
            <img
              src={data}
              width={240}
              height={240}
              alt={t('receive.qrAlt', { name: me.nickname })}
            />
          ) : (
            <Loading />
          )}
        </div>
        <p className="muted center">{t('receive.hint')}</p>
        {data && (
          <a className="button button-secondary" href={data} download={`hebao-${me.nickname}.png`}>
            {t('receive.save')}
          </a>
        )}
      </section>
    </div>
  );
}

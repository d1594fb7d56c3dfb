import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, type Session } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { DevicesIcon } from '../components/icons.tsx';
import { ConfirmSheet, EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';

/** "Chrome · macOS" from a user agent; the device name the server stored otherwise. */
export function describeDevice(s: Session): string {
  const ua = s.userAgent ?? '';
  if (!ua) return s.device;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /MicroMessenger/.test(ua)
      ? 'WeChat'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\/|Chromium\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : undefined;
  const os = /iPhone|iPad/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Mac OS X/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : undefined;
  return browser || os ? [browser, os].filter(Boolean).join(' · ') : s.device;
}

export function DevicesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const { signOut } = useAuth();
  const { data, error, loading, reload } = useAsync(() => api.sessions(), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string>();
  const [confirmAll, setConfirmAll] = useState(false);

  const revoke = async (s: Session) => {
    setBusy(s.id);
    setActionError(undefined);
    try {
      await api.revokeSession(s.id);
      toast(t('devices.revoked'), 'success');
      reload();
    } catch (err) {
      setActionError(errorMessage(t, err));
    } finally {
      setBusy(null);
    }
  };

  const everywhere = async () => {
    setBusy('all');
    try {
      await signOut(true);
      navigate('/login', { replace: true });
    } catch (err) {
      setActionError(errorMessage(t, err));
      setBusy(null);
      setConfirmAll(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('devices.title')} back />
      <p className="muted small intro-text">{t('devices.intro')}</p>
      {error ? (
        <ErrorText>{errorMessage(t, error)}</ErrorText>
      ) : loading && !data ? (
        <Loading />
      ) : !data || data.items.length === 0 ? (
        <EmptyState title={t('devices.empty')} />
      ) : (
        <ul className="card device-list">
          {data.items.map((s) => (
            <li key={s.id} className="device">
              <span className="device-icon" aria-hidden="true">
                <DevicesIcon size={22} />
              </span>
              <span className="device-main">
                <span className="device-name">
                  {describeDevice(s)}
                  {s.current && <span className="chip chip-completed">{t('devices.current')}</span>}
                </span>
                <span className="muted small">
                  {t('devices.lastSeen', { time: f.shortDateTime(s.lastSeenAt) })}
                  {s.ip ? ` · ${s.ip}` : ''}
                </span>
              </span>
              {!s.current && (
                <button
                  type="button"
                  className="button button-secondary button-small"
                  disabled={busy !== null}
                  onClick={() => void revoke(s)}
                  aria-label={t('devices.revokeNamed', { name: describeDevice(s) })}
                >
                  {t('devices.revoke')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {actionError && <ErrorText>{actionError}</ErrorText>}
      <button
        type="button"
        className="button button-danger-outline button-block"
        onClick={() => setConfirmAll(true)}
        disabled={busy !== null}
      >
        {t('devices.logoutAll')}
      </button>
      <ConfirmSheet
        open={confirmAll}
        title={t('devices.logoutAllTitle')}
        body={t('devices.logoutAllBody')}
        confirmLabel={t('devices.logoutAll')}
        danger
        busy={busy === 'all'}
        onConfirm={() => void everywhere()}
        onClose={() => setConfirmAll(false)}
      />
    </div>
  );
}

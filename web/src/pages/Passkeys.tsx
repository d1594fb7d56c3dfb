import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, passkeys } from '../api.ts';
import {
  EmptyState,
  ErrorText,
  Field,
  Loading,
  PageHeader,
  SubmitButton,
} from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { registerPasskey } from '../passkey.ts';

/** Passkeys on the account: the device's fingerprint or face unlock pays instead of the PIN. */
export function PasskeysPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useAsync(() => passkeys.list(), []);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await registerPasskey(name.trim());
      setName('');
      setDone(t('passkeys.added'));
      list.reload();
    } catch (err) {
      setError(
        err instanceof ApiError
          ? errorMessage(t, err)
          : err instanceof Error && err.name === 'NotAllowedError'
            ? t('passkeys.cancelled')
            : t('passkeys.deviceFailed'),
      );
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string) => {
    try {
      await passkeys.remove(id);
      list.reload();
    } catch (err) {
      setError(errorMessage(t, err));
    }
  };

  return (
    <>
      <PageHeader title={t('passkeys.title')} back="/me" />
      <div className="page">
        <p className="muted">{t('passkeys.intro')}</p>
        {list.loading && !list.data ? (
          <Loading />
        ) : list.data && list.data.items.length === 0 ? (
          <EmptyState title={t('passkeys.none')} />
        ) : (
          <ul className="menu" aria-label={t('passkeys.title')}>
            {list.data?.items.map((p) => (
              <li key={p.id} className="menu-item menu-item-static">
                <span className="menu-label">{p.name}</span>
                <span className="menu-value">{f.dateTime(p.createdAt)}</span>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => void remove(p.id)}
                >
                  {t('passkeys.remove')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={(e) => void add(e)} className="form">
          <Field label={t('passkeys.name')}>
            {(props) => (
              <input
                {...props}
                value={name}
                maxLength={40}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          {error && <ErrorText>{error}</ErrorText>}
          {done && (
            <p className="muted" role="status">
              {done}
            </p>
          )}
          <SubmitButton busy={busy}>{t('passkeys.add')}</SubmitButton>
        </form>
      </div>
    </>
  );
}

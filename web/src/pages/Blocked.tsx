import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BlockIcon } from '../components/social-icons.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import { ConfirmSheet, EmptyState, ErrorText, PageHeader } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import { type Friend, social } from './social-api.ts';

/** The people I blocked, each with an unblock (which does not make us friends again). */
export function BlockedPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const blocked = usePaged(
    (c) => social.blocks(c),
    (x) => x.userId,
    [],
  );
  const [confirm, setConfirm] = useState<Friend | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const unblock = async () => {
    if (!confirm) return;
    setBusy(true);
    setError(undefined);
    try {
      await social.unblock(confirm.userId);
      blocked.update((list) => list.filter((x) => x.userId !== confirm.userId));
      toast(t('blocked.unblocked', { name: confirm.nickname }), 'success');
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('blocked.title')} back />
      <p className="intro-text muted small">{t('blocked.intro')}</p>
      {error && <ErrorText>{error}</ErrorText>}
      <section className="card" aria-label={t('blocked.title')}>
        <PagedList
          list={blocked}
          empty={<EmptyState title={t('blocked.empty')} icon={<BlockIcon size={36} />} />}
        >
          <ul className="people-list">
            {blocked.items.map((b) => (
              <li key={b.userId} className="person-row">
                <Avatar name={b.nickname} id={b.userId} />
                <span className="person-main">
                  <span className="person-name">{b.nickname}</span>
                </span>
                <button
                  type="button"
                  className="button button-secondary button-small"
                  onClick={() => setConfirm(b)}
                  aria-label={t('blocked.unblockNamed', { name: b.nickname })}
                >
                  {t('blocked.unblock')}
                </button>
              </li>
            ))}
          </ul>
        </PagedList>
      </section>
      <ConfirmSheet
        open={confirm !== null}
        title={t('blocked.confirmTitle', { name: confirm?.nickname ?? '' })}
        body={t('blocked.confirmBody')}
        confirmLabel={t('blocked.unblock')}
        busy={busy}
        onConfirm={() => void unblock()}
        onClose={() => setConfirm(null)}
      />
    </div>
  );
}

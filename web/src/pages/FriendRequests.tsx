import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { timeAgo } from '../components/social-format.ts';
import { UserPlusIcon } from '../components/social-icons.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import { EmptyState, ErrorText, IconLink, PageHeader } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useNotifications } from '../notifications.tsx';
import { useToast } from '../toast.tsx';
import { type IncomingRequest, social } from './social-api.ts';

/** Friend requests: those waiting for my answer (accept / decline), and those I sent. */
export function FriendRequestsPage() {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const { live, refreshFriendRequests } = useNotifications();
  const incoming = usePaged(
    (c) => social.incomingRequests(c),
    (x) => x.id,
    [],
  );
  const sent = usePaged(
    (c) => social.sentRequests(c),
    (x) => x.id,
    [],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string>();

  const latest = live[0];
  const { reload: reloadIncoming } = incoming;
  const { reload: reloadSent } = sent;
  useEffect(() => {
    if (!latest?.kind.startsWith('friend.')) return;
    reloadIncoming();
    reloadSent();
  }, [latest, reloadIncoming, reloadSent]);

  const answer = async (request: IncomingRequest, choice: 'accept' | 'decline') => {
    setBusy(request.id);
    setError(undefined);
    try {
      await social.answerRequest(request.id, choice);
      incoming.update((list) => list.filter((x) => x.id !== request.id));
      refreshFriendRequests();
      toast(
        choice === 'accept'
          ? t('friends.accepted', { name: request.from.nickname })
          : t('friends.declined'),
        'success',
      );
    } catch (err) {
      setError(errorMessage(t, err, { conflict: 'friends.alreadyAnswered' }));
      reloadIncoming();
      refreshFriendRequests();
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t('friends.requests')}
        back="/friends"
        right={
          <IconLink to="/friends/add" label={t('friends.add')}>
            <UserPlusIcon />
          </IconLink>
        }
      />
      {error && <ErrorText>{error}</ErrorText>}
      <section className="card" aria-labelledby="incoming-title">
        <h2 id="incoming-title" className="card-title card-title-spaced">
          {t('friends.incoming')}
        </h2>
        <PagedList
          list={incoming}
          empty={
            <EmptyState
              title={t('friends.noIncoming')}
              hint={t('friends.noIncomingHint')}
              icon={<UserPlusIcon size={36} />}
            />
          }
        >
          <ul className="people-list">
            {incoming.items.map((r) => (
              <li key={r.id} className="person-row request-row">
                <Avatar name={r.from.nickname} id={r.from.userId} />
                <span className="person-main">
                  <Link to={`/users/${r.from.userId}`} className="person-name person-link">
                    {r.from.nickname}
                  </Link>
                  <span className="person-sub">
                    {r.message ? t('friends.saying', { message: r.message }) : t('friends.wants')}
                  </span>
                  <time className="person-time" dateTime={r.createdAt}>
                    {timeAgo(i18n.language, r.createdAt)}
                  </time>
                </span>
                <span className="request-actions">
                  <button
                    type="button"
                    className="button button-primary button-small"
                    disabled={busy === r.id}
                    onClick={() => void answer(r, 'accept')}
                    aria-label={t('friends.acceptNamed', { name: r.from.nickname })}
                  >
                    {t('friends.accept')}
                  </button>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    disabled={busy === r.id}
                    onClick={() => void answer(r, 'decline')}
                    aria-label={t('friends.declineNamed', { name: r.from.nickname })}
                  >
                    {t('friends.decline')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </PagedList>
      </section>

      <section className="card" aria-labelledby="sent-title">
        <h2 id="sent-title" className="card-title card-title-spaced">
          {t('friends.sent')}
        </h2>
        <PagedList list={sent} empty={<p className="muted small">{t('friends.noSent')}</p>}>
          <ul className="people-list">
            {sent.items.map((r) => (
              <li key={r.id}>
                <Link to={`/users/${r.to.userId}`} className="person-row">
                  <Avatar name={r.to.nickname} id={r.to.userId} />
                  <span className="person-main">
                    <span className="person-name">{r.to.nickname}</span>
                    <span className="person-sub">{r.message ?? t('friends.waiting')}</span>
                  </span>
                  <span className="chip chip-pending">{t('friends.waitingChip')}</span>
                </Link>
              </li>
            ))}
          </ul>
        </PagedList>
      </section>
    </div>
  );
}

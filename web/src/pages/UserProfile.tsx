import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ReportButton } from '../components/circle-ui.tsx';
import { EnvelopeIcon, SendIcon } from '../components/icons.tsx';
import { BlockIcon, TrashIcon, UserPlusIcon } from '../components/social-icons.tsx';
import { Avatar } from '../components/social-ui.tsx';
import { ConfirmSheet, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useAsync } from '../hooks.ts';
import { useNotifications } from '../notifications.tsx';
import { useToast } from '../toast.tsx';
import { social } from './social-api.ts';

type Confirming = 'remove' | 'block' | null;

/** Another user: where we stand, and what I can do (pay, send an envelope, befriend, block). */
export function UserProfilePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const { refreshFriendRequests } = useNotifications();
  const profile = useAsync(() => social.profile(id), [id]);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const p = profile.data;

  const act = async (action: () => Promise<unknown>, done: string, then?: () => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      toast(done, 'success');
      if (then) then();
      else profile.reload();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  };

  /** A request they sent me: answered here by finding it among those waiting for me. */
  const answer = (choice: 'accept' | 'decline') =>
    act(
      async () => {
        const waiting = await social.incomingRequests(undefined, 100);
        const request = waiting.items.find((r) => r.from.userId === id);
        if (request) await social.answerRequest(request.id, choice);
        refreshFriendRequests();
      },
      choice === 'accept'
        ? t('friends.accepted', { name: p?.nickname ?? '' })
        : t('friends.declined'),
    );

  const name = p?.nickname ?? '';
  const transferLink = `/transfer?${new URLSearchParams({ to: id, name })}`;
  const envelopeLink = `/red-packets/new?${new URLSearchParams({ to: id, name })}`;

  return (
    <div className="page">
      <PageHeader
        title={p?.nickname ?? t('profile.title')}
        back
        right={
          p && p.relation !== 'self' ? <ReportButton target={{ type: 'user', id }} /> : undefined
        }
      />
      {profile.error ? (
        <ErrorText>{errorMessage(t, profile.error, { not_found: 'profile.notFound' })}</ErrorText>
      ) : !p ? (
        <Loading />
      ) : (
        <>
          <section className="card profile profile-card">
            <Avatar name={p.nickname} id={p.id} size="large" />
            <div className="profile-text">
              <p className="profile-name">{p.nickname}</p>
              <p className="muted small">{t(`profile.relation.${p.relation}`)}</p>
            </div>
          </section>
          {error && <ErrorText>{error}</ErrorText>}
          {p.relation === 'friend' && (
            <nav className="profile-actions" aria-label={t('profile.actions')}>
              <Link to={transferLink} className="quick-action">
                <span className="quick-icon quick-icon-send">
                  <SendIcon />
                </span>
                <span>{t('profile.transfer')}</span>
              </Link>
              <Link to={envelopeLink} className="quick-action">
                <span className="quick-icon quick-icon-red">
                  <EnvelopeIcon />
                </span>
                <span>{t('profile.redPacket')}</span>
              </Link>
            </nav>
          )}
          {p.relation === 'none' && (
            <button
              type="button"
              className="button button-primary button-block"
              disabled={busy}
              onClick={() =>
                void act(() => social.sendFriendRequest({ userId: id }), t('addFriend.sent'))
              }
            >
              <UserPlusIcon size={20} /> {t('profile.addFriend')}
            </button>
          )}
          {p.relation === 'request_sent' && (
            <p className="notice notice-info">{t('profile.requestSent')}</p>
          )}
          {p.relation === 'request_received' && (
            <div className="button-row">
              <button
                type="button"
                className="button button-primary"
                disabled={busy}
                onClick={() => void answer('accept')}
              >
                {t('friends.accept')}
              </button>
              <button
                type="button"
                className="button button-secondary"
                disabled={busy}
                onClick={() => void answer('decline')}
              >
                {t('friends.decline')}
              </button>
            </div>
          )}
          {p.relation !== 'self' && (
            <div className="card menu profile-danger">
              {p.relation === 'friend' && (
                <button type="button" className="menu-item" onClick={() => setConfirming('remove')}>
                  <TrashIcon />
                  <span className="menu-label">{t('profile.remove')}</span>
                </button>
              )}
              <button
                type="button"
                className="menu-item menu-item-danger"
                onClick={() => setConfirming('block')}
              >
                <BlockIcon />
                <span className="menu-label">{t('profile.block')}</span>
              </button>
            </div>
          )}
        </>
      )}
      <ConfirmSheet
        open={confirming === 'remove'}
        title={t('profile.removeTitle', { name })}
        body={t('profile.removeBody')}
        confirmLabel={t('profile.remove')}
        danger
        busy={busy}
        onConfirm={() => void act(() => social.unfriend(id), t('profile.removed', { name }))}
        onClose={() => setConfirming(null)}
      />
      <ConfirmSheet
        open={confirming === 'block'}
        title={t('profile.blockTitle', { name })}
        body={t('profile.blockBody')}
        confirmLabel={t('profile.block')}
        danger
        busy={busy}
        onConfirm={() =>
          void act(
            () => social.block(id),
            t('profile.blocked', { name }),
            () => navigate('/friends/blocked', { replace: true }),
          )
        }
        onClose={() => setConfirming(null)}
      />
    </div>
  );
}

import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ChevronIcon, EnvelopeIcon, LockIcon, QrIcon } from '../components/icons.tsx';
import { formatDate } from '../components/social-format.ts';
import { BlockIcon, GroupIcon, UserPlusIcon } from '../components/social-icons.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import { EmptyState, IconLink } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { useNotifications } from '../notifications.tsx';
import { social } from './social-api.ts';
import { NotificationBell } from './Wallet.tsx';

/** The Friends tab: requests, groups, red envelopes, my QR code, then the friend list. */
export function FriendsPage() {
  const { t, i18n } = useTranslation();
  const { friendRequests, live } = useNotifications();
  const friends = usePaged(
    (cursor) => social.friends(cursor, 50),
    (x) => x.userId,
    [],
  );
  const { reload } = friends;

  // Someone accepted my request (or I accepted elsewhere): the list changed.
  const latest = live[0];
  useEffect(() => {
    if (latest?.kind.startsWith('friend.')) reload();
  }, [latest, reload]);

  return (
    <div className="page friends-page">
      <header className="home-header">
        <h1 className="tab-title">{t('tabs.friends')}</h1>
        <div className="header-actions">
          <IconLink to="/friends/add" label={t('friends.add')}>
            <UserPlusIcon />
          </IconLink>
          <NotificationBell />
        </div>
      </header>

      <nav className="card menu" aria-label={t('friends.shortcuts')}>
        <Link to="/friends/requests" className="menu-item">
          <UserPlusIcon />
          <span className="menu-label">{t('friends.requests')}</span>
          {friendRequests > 0 && (
            <span className="badge badge-inline" data-testid="requests-badge">
              {friendRequests > 99 ? '99+' : friendRequests}
              <span className="visually-hidden">
                {t('friends.requestsWaiting', { count: friendRequests })}
              </span>
            </span>
          )}
          <ChevronIcon size={18} />
        </Link>
        <Link to="/groups" className="menu-item">
          <GroupIcon />
          <span className="menu-label">{t('groups.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/red-packets" className="menu-item">
          <EnvelopeIcon className="menu-icon-red" />
          <span className="menu-label">{t('redpacket.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/friends/qr" className="menu-item">
          <QrIcon />
          <span className="menu-label">{t('friendQr.title')}</span>
          <ChevronIcon size={18} />
        </Link>
      </nav>

      <section className="card" aria-labelledby="friend-list-title">
        <div className="card-head">
          <h2 id="friend-list-title" className="card-title">
            {t('friends.list')}
          </h2>
        </div>
        <PagedList
          list={friends}
          empty={
            <EmptyState
              title={t('friends.empty')}
              hint={t('friends.emptyHint')}
              icon={<UserPlusIcon size={36} />}
            >
              <Link to="/friends/add" className="button button-secondary button-small">
                {t('friends.add')}
              </Link>
            </EmptyState>
          }
        >
          <ul className="people-list">
            {friends.items.map((friend) => (
              <li key={friend.userId}>
                <Link to={`/users/${friend.userId}`} className="person-row">
                  <Avatar name={friend.nickname} id={friend.userId} />
                  <span className="person-main">
                    <span className="person-name">{friend.nickname}</span>
                    <span className="person-sub">
                      {t('friends.since', { date: formatDate(i18n.language, friend.since) })}
                    </span>
                  </span>
                  <ChevronIcon size={18} />
                </Link>
              </li>
            ))}
          </ul>
        </PagedList>
      </section>

      <nav className="card menu" aria-label={t('friends.settings')}>
        <Link to="/friends/blocked" className="menu-item">
          <BlockIcon />
          <span className="menu-label">{t('blocked.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/friends/privacy" className="menu-item">
          <LockIcon />
          <span className="menu-label">{t('privacy.title')}</span>
          <ChevronIcon size={18} />
        </Link>
      </nav>
    </div>
  );
}

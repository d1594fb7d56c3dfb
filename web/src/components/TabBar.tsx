import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';
import { useChatUnread } from '../chat-live.ts';
import { useNotifications } from '../notifications.tsx';
import { FeedIcon, FriendsIcon, MeIcon, WalletIcon } from './icons.tsx';
import { CommentIcon } from './social-icons.tsx';

const TABS = [
  { to: '/', key: 'wallet', Icon: WalletIcon },
  { to: '/chats', key: 'chats', Icon: CommentIcon },
  { to: '/feed', key: 'feed', Icon: FeedIcon },
  { to: '/friends', key: 'friends', Icon: FriendsIcon },
  { to: '/me', key: 'me', Icon: MeIcon },
] as const;

export function TabBar() {
  const { t } = useTranslation();
  const { friendRequests } = useNotifications();
  const chatUnread = useChatUnread();
  return (
    <nav className="tabbar" aria-label={t('tabs.label')}>
      {TABS.map(({ to, key, Icon }) => {
        const badge = key === 'friends' ? friendRequests : key === 'chats' ? chatUnread : 0;
        return (
          <NavLink key={key} to={to} end={to === '/'} className="tab">
            <span className="tab-icon">
              <Icon size={24} />
              {badge > 0 && (
                <span className="badge tab-badge" data-testid={`${key}-badge`} aria-hidden="true">
                  {badge > 99 ? '99+' : badge}
                </span>
              )}
            </span>
            <span>{t(`tabs.${key}`)}</span>
            {badge > 0 && (
              <span className="visually-hidden">
                {key === 'chats'
                  ? t('chat.unread', { count: badge })
                  : t('friends.requestsWaiting', { count: badge })}
              </span>
            )}
          </NavLink>
        );
      })}
    </nav>
  );
}

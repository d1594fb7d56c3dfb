import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';
import { FeedIcon, FriendsIcon, MeIcon, WalletIcon } from './icons.tsx';

const TABS = [
  { to: '/', key: 'wallet', Icon: WalletIcon },
  { to: '/feed', key: 'feed', Icon: FeedIcon },
  { to: '/friends', key: 'friends', Icon: FriendsIcon },
  { to: '/me', key: 'me', Icon: MeIcon },
] as const;

export function TabBar() {
  const { t } = useTranslation();
  return (
    <nav className="tabbar" aria-label={t('tabs.label')}>
      {TABS.map(({ to, key, Icon }) => (
        <NavLink key={key} to={to} end={to === '/'} className="tab">
          <Icon size={24} />
          <span>{t(`tabs.${key}`)}</span>
        </NavLink>
      ))}
    </nav>
  );
}

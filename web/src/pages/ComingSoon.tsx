import { useTranslation } from 'react-i18next';
import { FeedIcon, FriendsIcon } from '../components/icons.tsx';
import { EmptyState } from '../components/ui.tsx';
import { NotificationBell } from './Wallet.tsx';

/** The Feed and Friends tabs, until their API lands. */
export function ComingSoonPage({ kind }: { kind: 'feed' | 'friends' }) {
  const { t } = useTranslation();
  const Icon = kind === 'feed' ? FeedIcon : FriendsIcon;
  return (
    <div className="page">
      <header className="home-header">
        <h1 className="tab-title">{t(`tabs.${kind}`)}</h1>
        <NotificationBell />
      </header>
      <div className="card coming-soon">
        <EmptyState
          title={t(`soon.${kind}.title`)}
          hint={t(`soon.${kind}.hint`)}
          icon={<Icon size={40} />}
        >
          <span className="chip chip-pending">{t('soon.badge')}</span>
        </EmptyState>
      </div>
    </div>
  );
}

import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth.tsx';
import { PaymentCard, PostCard } from '../components/FeedCards.tsx';
import { FeedIcon } from '../components/icons.tsx';
import { PenIcon, RefreshIcon } from '../components/social-icons.tsx';
import { PagedList } from '../components/social-ui.tsx';
import { EmptyState, IconButton } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { onWalletChanged } from '../events.ts';
import { type FeedItem, social } from './social-api.ts';
import { NotificationBell } from './Wallet.tsx';

const keyOf = (item: FeedItem) => `${item.kind}:${item.id}`;

/**
 * The Feed tab: friends' payments ("A paid B", never the amount) and 生活圈 posts in one
 * timeline, newest first, loading more as it scrolls.
 */
export function FeedPage() {
  const { t } = useTranslation();
  const me = useMe();
  const feed = usePaged((cursor) => social.feed(cursor), keyOf, []);
  const { reload } = feed;

  // A payment I make or receive lands in the feed too.
  useEffect(() => onWalletChanged(reload), [reload]);

  return (
    <div className="page feed-page">
      <header className="home-header">
        <h1 className="tab-title">{t('tabs.feed')}</h1>
        <div className="header-actions">
          <IconButton onClick={reload} label={t('feed.refresh')}>
            <RefreshIcon />
          </IconButton>
          <NotificationBell />
        </div>
      </header>
      <Link to="/posts/new" className="compose-prompt">
        <span className="compose-prompt-text">{t('feed.composePrompt')}</span>
        <span className="compose-prompt-button">
          <PenIcon size={18} /> {t('feed.compose')}
        </span>
      </Link>
      <PagedList
        list={feed}
        showEnd
        empty={
          <div className="card">
            <EmptyState
              title={t('feed.empty')}
              hint={t('feed.emptyHint')}
              icon={<FeedIcon size={36} />}
            >
              <Link to="/friends/add" className="button button-secondary button-small">
                {t('friends.add')}
              </Link>
            </EmptyState>
          </div>
        }
      >
        <ul className="feed-list" aria-label={t('feed.label')}>
          {feed.items.map((item) => (
            <li key={keyOf(item)}>
              {item.kind === 'payment' ? (
                <PaymentCard item={item} meId={me.id} />
              ) : (
                <PostCard
                  post={item}
                  meId={me.id}
                  onChange={(post) =>
                    feed.update((list) =>
                      list.map((x) =>
                        x.kind === 'post' && x.id === post.id ? { ...post, kind: 'post' } : x,
                      ),
                    )
                  }
                  onDeleted={(id) =>
                    feed.update((list) => list.filter((x) => !(x.kind === 'post' && x.id === id)))
                  }
                />
              )}
            </li>
          ))}
        </ul>
      </PagedList>
    </div>
  );
}

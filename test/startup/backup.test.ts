/**
 * `hebao backup` while the server runs, the data directory lost, `hebao restore`, and the
 * server comes back with every user, balance and transfer, and a ledger that verifies.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/ledger-process.ts';
import { freePort } from '../support/ports.ts';
import { http, startServer, stopServer, waitHealthy } from '../support/server-process.ts';

const root = mkdtempSync(path.join(tmpdir(), 'hebao-backup-'));
// As root the server runs as `postgres`, which must be able to reach <root>/data.
chmodSync(root, 0o711);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function hebao(env: Record<string, string>, ...args: string[]) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DATABASE_URL;
  return promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/hebao.js'), ...args], {
    cwd: REPO_ROOT,
    env: childEnv,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

describe('hebao backup / hebao restore (embedded database)', () => {
  it('restores a lost data directory from an online backup', async () => {
    const dataDir = path.join(root, 'data');
    const env = {
      HEBAO_DATA_DIR: dataDir,
      HEBAO_EMBEDDED_PG_PORT: String(await freePort()),
    };
    let server = await startServer({ ...env, DATABASE_URL: undefined });
    await waitHealthy(server);
    let api = http(server.base);
    const [a, b] = [await api.user(50_000), await api.user()];
    const sent = await api.call('POST', '/api/v1/transfers', {
      token: a.token,
      body: { to: { userId: b.id }, amount: 1234 },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);

    // Online: the server keeps running (and serving) while the CLI takes the copy.
    const backupDir = path.join(root, 'backup');
    const during = api.call('GET', '/api/v1/wallet', { token: a.token });
    const made = await hebao(env, 'backup', backupDir);
    expect(made.code, made.stderr).toBe(0);
    expect((await during).status).toBe(200);
    expect(existsSync(path.join(backupDir, 'pg', 'backup_label'))).toBe(true);
    // A transfer after the backup is not in it.
    await api.call('POST', '/api/v1/transfers', {
      token: a.token,
      body: { to: { userId: b.id }, amount: 1 },
    });
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });

    // Refused while the data directory still holds data, unless --force.
    const refused = await hebao(env, 'restore', backupDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');

    rmSync(dataDir, { recursive: true, force: true });
    const restored = await hebao(env, 'restore', backupDir);
    expect(restored.code, restored.stderr).toBe(0);

    server = await startServer({ ...env, DATABASE_URL: undefined });
    try {
      await waitHealthy(server);
      api = http(server.base);
      const login = await api.call('POST', '/api/v1/auth/login', {
        body: { phone: b.phone, password: 'correct horse battery' },
      });
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      const wallet = await api.call('GET', '/api/v1/wallet', { token: login.body.token as string });
      const balances = wallet.body.balances as { available: number }[];
      expect(balances[0]?.available).toBe(1234);
      // The CLI shares the running server's database.
      const verify = await hebao(env, 'ledger', 'verify');
      expect(verify.code, verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout).ok).toBe(true);
    } finally {
      expect((await stopServer(server)).code).toBe(0);
    }
  }, 150_000);

  it('refuses to back up an external database', async () => {
    const r = await promisify(execFile)(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/hebao.js'), 'backup', path.join(root, 'x')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pg_dump');
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/db/pool.ts';
import { testDatabaseUrl, testPool } from './support/db.ts';
import { scratchDatabase } from './support/ledger-scratch-db.ts';

const run = promisify(execFile);
// Media the demo uploads land here, not in the working tree's ./data.
const dataDir = mkdtempSync(path.join(tmpdir(), 'hebao-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function hebao(...args: string[]) {
  return hebaoOn(testDatabaseUrl(), ...args);
}

function hebaoOn(databaseUrl: string, ...args: string[]) {
  return run(process.execPath, ['bin/hebao.js', ...args], {
    env: {
      ...process.env,
      HEBAO_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      HEBAO_SECRET: 'cli-secret-cli-secret-cli-secret-0123456',
    },
  });
}

describe('the hebao CLI', () => {
  it('migrates and verifies the ledger', async () => {
    expect((await hebao('migrate')).stdout).toMatch(/up to date|applied/);
    const { stdout } = await hebao('ledger', 'verify');
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('creates an admin, and promotes an existing user', async () => {
    const phone = `1390${String(Date.now()).slice(-7)}`;
    const failed = await hebao('admin', 'create', '--phone', phone).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect(
      (await hebao('admin', 'create', '--phone', phone, '--password', 'operator pass')).stdout,
    ).toContain('created');
    expect((await hebao('admin', 'create', '--phone', phone)).stdout).toContain('promoted');
    const db = testPool(1);
    const { rows } = await db.query('SELECT role FROM users WHERE phone = $1', [`+86${phone}`]);
    await db.end();
    expect(rows[0].role).toBe('admin');
  });

  it('seeds a demo world once, and only into a database without real users unless --force', async () => {
    const scratch = await scratchDatabase('demo');
    const db = createPool(scratch.url, 1);
    try {
      await hebaoOn(
        scratch.url,
        'admin',
        'create',
        '--phone',
        '13912345678',
        '--password',
        'operator pass',
      );
      const refused = (await hebaoOn(scratch.url, 'demo').catch((e) => e)) as {
        code: number;
        stderr: string;
      };
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('--force');
      expect((await db.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(1);

      const seeded = await hebaoOn(scratch.url, 'demo', '--force');
      expect(seeded.stdout).toContain('demo world seeded');
      expect(seeded.stdout).toContain('13800000101');
      expect(seeded.stdout).toMatch(/password \S+, payment PIN \d{6}/);
      const again = await hebaoOn(scratch.url, 'demo');
      expect(again.stdout).toContain('already there');

      const count = async (sql: string) =>
        (await db.query(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0].n;
      expect(
        await count(`users WHERE phone LIKE '+86138000001%' AND verified_at IS NOT NULL`),
      ).toBe(12);
      expect(await count('friendships')).toBeGreaterThanOrEqual(2 * 11);
      expect(await count('groups')).toBe(1);
      expect(await count('group_fund_entries')).toBeGreaterThan(0);
      expect(await count('group_expenses')).toBe(2);
      expect(await count(`red_packets WHERE status = 'open'`)).toBe(1);
      expect(await count(`ious`)).toBe(1);
      expect(await count(`family_links`)).toBe(1);
      expect(await count('media WHERE post_id IS NOT NULL')).toBe(2);
      const { stdout } = await hebaoOn(scratch.url, 'ledger', 'verify');
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, problems: [] });
    } finally {
      await db.end();
      await scratch.drop();
    }
  }, 120_000);

  it('reports a broken ledger with exit code 1 and the precise problem', async () => {
    // Its own database: the shared one must stay balanced for every other test.
    const scratch = await scratchDatabase('cli');
    const db = createPool(scratch.url, 1);
    try {
      await db.query(
        `INSERT INTO ledger_accounts (code, currency, flags, credits_posted) VALUES ('cli:tampered', 'EUR', 0, 5)`,
      );
      const failed = (await hebaoOn(scratch.url, 'ledger', 'verify').catch((e) => e)) as {
        code: number;
        stdout: string;
      };
      expect(failed.code).toBe(1);
      const report = JSON.parse(failed.stdout);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: 'account_balance_mismatch',
            accountCode: 'cli:tampered',
          }),
          expect.objectContaining({ kind: 'currency_unbalanced', currency: 'EUR' }),
        ]),
      );
    } finally {
      await db.end();
      await scratch.drop();
    }
  });
});

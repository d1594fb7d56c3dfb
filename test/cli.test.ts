import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/db/pool.ts';
import { testDatabaseUrl, testPool } from './support/db.ts';
import { scratchDatabase } from './support/ledger-scratch-db.ts';

const run = promisify(execFile);

function hebao(...args: string[]) {
  return hebaoOn(testDatabaseUrl(), ...args);
}

function hebaoOn(databaseUrl: string, ...args: string[]) {
  return run(process.execPath, ['bin/hebao.js', ...args], {
    env: {
      ...process.env,
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchDatabase, scratchDatabase } from '../../../test/support/ledger-scratch-db.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { createPool } from '../../db/pool.ts';
import { ManualClock } from '../../platform/clock.ts';
import { createServices } from '../../services.ts';

/**
 * The admin ledger check over HTTP against a ledger that is broken on purpose. Its own
 * database: the shared one must stay balanced for every other test.
 */
describe('GET /api/v1/admin/ledger/verify', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabase('verify');
  });
  afterAll(() => scratch.drop());

  it('reports a corrupted row, precisely', async () => {
    const config = loadConfig({
      DATABASE_URL: scratch.url,
      HEBAO_SECRET: 'test-secret-test-secret-test-secret-0123',
      LOG_LEVEL: 'silent',
    });
    const db = createPool(scratch.url, 4);
    const services = createServices(config, db, new ManualClock(new Date()));
    const app = await buildApp(config, services);
    try {
      const register = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { phone: '13000000777', password: 'admin password', nickname: 'ops' },
      });
      const { token, user } = register.json();
      await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
      const auth = { authorization: `Bearer ${token}` };
      const top = await app.inject({
        method: 'POST',
        url: '/api/v1/wallet/topups',
        headers: auth,
        payload: { amount: 5_000 },
      });
      expect(top.statusCode).toBe(201);
      const verify = () =>
        app.inject({ method: 'GET', url: '/api/v1/admin/ledger/verify', headers: auth });

      const healthy = await verify();
      expect(healthy.statusCode).toBe(200);
      expect(healthy.json()).toMatchObject({ ok: true, problems: [] });

      // A balance changed behind the ledger's back: no transfer explains it.
      const code = `user:${user.id}:wallet:CNY`;
      await db.query(
        'UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE code = $1',
        [code],
      );
      const broken = await verify();
      expect(broken.statusCode).toBe(200);
      expect(broken.json().ok).toBe(false);
      expect(broken.json().problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'account_balance_mismatch', accountCode: code }),
        ]),
      );
      // Each check is in the audit log, with what it found.
      const audit = await app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: auth });
      expect(
        audit
          .json()
          .items.filter((e: { action: string }) => e.action === 'ledger.verify')
          .map((e: { detail: unknown }) => e.detail),
      ).toEqual([
        { ok: false, problems: expect.any(Number) },
        { ok: true, problems: 0 },
      ]);
    } finally {
      await app.close();
      await services.ledger.stop();
      await db.end();
    }
  });
});

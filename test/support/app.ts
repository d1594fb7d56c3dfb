import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, expect } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { checkCharacter } from '../../src/modules/identity/id-number.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { IdempotencyStore } from '../../src/platform/idempotency.ts';
import { createServices, type ServiceOptions, type Services } from '../../src/services.ts';
import { testDatabaseUrl, testPool } from './db.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  clock: ManualClock;
  config: Config;
  close(): Promise<void>;
}

/**
 * The real app on the test database, with a clock the test moves. Rate limits are high unless
 * a test asks for its own; the ledger is verified when the app closes.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: ServiceOptions = {},
): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: testDatabaseUrl(),
    HEBAO_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'silent',
    HEBAO_RATE_REGISTER: '100000',
    HEBAO_RATE_LOGIN: '100000',
    HEBAO_RATE_VERIFICATION: '100000',
    HEBAO_RATE_PIN: '100000',
    HEBAO_RATE_PHONE_CODES: '100000',
    ...env,
  });
  const db = testPool(10);
  const clock = new ManualClock(new Date());
  const services = createServices(config, db, clock, overrides);
  const app = await buildApp(config, services);
  return {
    app,
    services,
    clock,
    config,
    close: async () => {
      await services.outbox.stop();
      await app.close();
      await services.ledger.stop();
      await db.end();
    },
  };
}

/**
 * Starts an app for the file and verifies the whole ledger after every scenario in it: a test
 * that leaves money unbalanced fails itself, not a later one.
 */
export async function useTestApp(
  env: Record<string, string> = {},
  overrides: ServiceOptions = {},
): Promise<TestApp> {
  const t = await startTestApp(env, overrides);
  afterEach(async () => {
    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
  afterAll(() => t.close());
  return t;
}

/**
 * The key a feature derives its ids from for a request sent with `Idempotency-Key: key`
 * (see IdempotencyStore): the caller's key joined with the request's fingerprint.
 */
export function derivedKey(key: string, path: string, body: unknown, method = 'POST'): string {
  return IdempotencyStore.derivedKey(key, IdempotencyStore.fingerprint({ method, path, body }));
}

let phoneCounter = Math.floor(Math.random() * 1e8);
export function freshPhone(): string {
  phoneCounter = (phoneCounter + 7919) % 1e8;
  return `139${String(phoneCounter).padStart(8, '0')}`;
}

// Each test process starts somewhere else in the space of ids, so files never collide.
let idCounter = Math.floor(Math.random() * 50 * 12 * 28 * 1000);
/** A valid, unused ID number (GB 11643 check digit and all). */
export function freshIdNumber(): string {
  idCounter = (idCounter + 1) % (50 * 12 * 28 * 1000);
  const seq = String(idCounter % 1000).padStart(3, '0');
  const day = String((Math.floor(idCounter / 1000) % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(idCounter / 28_000) % 12) + 1).padStart(2, '0');
  const year = 1950 + Math.floor(idCounter / 336_000);
  const first17 = `110101${year}${month}${day}${seq}`;
  return first17 + checkCharacter(first17);
}

export interface TestUser {
  id: string;
  token: string;
  phone: string;
  auth: { authorization: string };
}

type Json = Record<string, unknown>;

export function api(t: TestApp) {
  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options: { user?: TestUser; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse & { body: string; json: () => Json }> => {
    // What the outbox carries (feed fan-out) follows a movement's commit by moments; a test
    // reads after it, as a person would.
    await t.services.outbox.drain();
    return t.app.inject({
      method,
      url,
      headers: { ...(options.user ? options.user.auth : {}), ...(options.headers ?? {}) },
      ...(options.body !== undefined ? { payload: options.body as object } : {}),
    }) as never;
  };

  /** Proves a user's phone the way a person would: asks for a code, reads the SMS, sends it back. */
  const verifyPhone = async (u: TestUser): Promise<void> => {
    const sent = await call('POST', '/api/v1/auth/phone-codes', {
      body: { phone: u.phone, purpose: 'verify' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const code = t.services.sms.lastCodeTo(u.phone);
    const v = await call('POST', '/api/v1/me/phone-verification', { user: u, body: { code } });
    expect(v.statusCode, v.body).toBe(200);
  };

  /**
   * A registered user whose phone is verified (unless `phoneVerified: false`), real-name verified
   * (unless `verified: false`), with an optional PIN and balance.
   */
  const user = async (
    opts: {
      verified?: boolean;
      phoneVerified?: boolean;
      pin?: string;
      balance?: number;
      nickname?: string;
    } = {},
  ): Promise<TestUser> => {
    const phone = freshPhone();
    const res = await call('POST', '/api/v1/auth/register', {
      body: { phone, password: 'correct horse', nickname: opts.nickname ?? `u${phone.slice(-4)}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { token, user: u } = res.json() as { token: string; user: { id: string } };
    const me: TestUser = { id: u.id, token, phone, auth: { authorization: `Bearer ${token}` } };
    if (opts.phoneVerified ?? true) await verifyPhone(me);
    if (opts.verified ?? true) {
      const v = await call('POST', '/api/v1/me/verification', {
        user: me,
        body: { realName: '测试用户', idNumber: freshIdNumber() },
      });
      expect(v.statusCode, v.body).toBe(200);
    }
    if (opts.pin) {
      const p = await call('PUT', '/api/v1/me/pin', { user: me, body: { pin: opts.pin } });
      expect(p.statusCode, p.body).toBe(204);
    }
    if (opts.balance) {
      const top = await call('POST', '/api/v1/wallet/topups', {
        user: me,
        body: { amount: opts.balance },
      });
      expect(top.statusCode, top.body).toBe(201);
    }
    return me;
  };

  const balance = async (u: TestUser, currency = 'CNY'): Promise<number> => {
    const res = await call('GET', '/api/v1/wallet', { user: u });
    const b = (res.json().balances as { currency: string; available: number }[]).find(
      (x) => x.currency === currency,
    );
    return b?.available ?? 0;
  };

  /**
   * Makes `a` a friend of each of `others` (users or ids; ids of no user are skipped): set-up
   * that is not under test, written straight into the social graph's table.
   */
  const befriend = async (a: TestUser, ...others: (TestUser | string)[]): Promise<void> => {
    const ids = others.map((o) => (typeof o === 'string' ? o : o.id));
    await t.services.db.query(
      `INSERT INTO friendships (user_id, friend_id, created_at)
       SELECT v.x, v.y, $3 FROM users u, LATERAL (VALUES ($1::uuid, u.id), (u.id, $1::uuid)) v(x, y)
        WHERE u.id::text = ANY($2::text[]) AND u.id <> $1::uuid
       ON CONFLICT DO NOTHING`,
      [a.id, ids, t.clock.now()],
    );
  };

  return { call, user, balance, verifyPhone, befriend };
}

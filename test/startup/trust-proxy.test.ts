/** HEBAO_TRUST_PROXY: behind a TLS proxy the client's address comes from X-Forwarded-For. */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { freshPhone, startTestApp, type TestApp } from '../support/app.ts';

const apps: TestApp[] = [];
afterAll(async () => {
  for (const t of apps) await t.close();
});

/** Two registrations from two clients behind one proxy, with one allowed per address. */
async function registerTwiceBehindProxy(env: Record<string, string>): Promise<number[]> {
  const t = await startTestApp({ HEBAO_RATE_REGISTER: '1', ...env });
  apps.push(t);
  const statuses: number[] = [];
  for (const client of ['203.0.113.7', '203.0.113.8']) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      remoteAddress: '10.0.0.2', // the proxy
      headers: { 'x-forwarded-for': client, 'x-forwarded-proto': 'https' },
      payload: { phone: freshPhone(), password: 'correct horse battery', nickname: 'proxied' },
    });
    statuses.push(res.statusCode);
  }
  return statuses;
}

describe('HEBAO_TRUST_PROXY', () => {
  it('limits per client address behind a trusted proxy, per proxy address otherwise', async () => {
    expect(await registerTwiceBehindProxy({ HEBAO_TRUST_PROXY: '1' })).toEqual([201, 201]);
    expect(await registerTwiceBehindProxy({ HEBAO_TRUST_PROXY: '10.0.0.0/8' })).toEqual([201, 201]);
    expect(await registerTwiceBehindProxy({})).toEqual([201, 429]);
  });

  it('takes 1, 0 or a list of proxy addresses, and refuses anything else', () => {
    const secret = { HEBAO_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://x/y' };
    expect(loadConfig({ ...secret, HEBAO_TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(loadConfig({ ...secret }).trustProxy).toBe(false);
    expect(loadConfig({ ...secret, HEBAO_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toBe(
      '127.0.0.1, 10.0.0.0/8',
    );
    expect(() => loadConfig({ ...secret, HEBAO_TRUST_PROXY: 'yes please' })).toThrow(ConfigError);
  });
});

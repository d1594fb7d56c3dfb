/** /metrics is never public: a bearer token on the main port, or a port of its own. */
import type net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { freePort } from '../support/ports.ts';

const TOKEN = 'metrics-token-0123456789';
const apps: TestApp[] = [];
afterAll(async () => {
  for (const t of apps) await t.close();
});

async function app(env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp(env);
  apps.push(t);
  return t;
}

describe('/metrics', () => {
  it('does not exist without a metrics setting', async () => {
    const t = await app({});
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
    expect(res.body).not.toContain('hebao_http_request_duration_seconds');
  });

  it('with HEBAO_METRICS_TOKEN, answers only the bearer of the token', async () => {
    const t = await app({ HEBAO_METRICS_TOKEN: TOKEN });
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.json().code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const ok = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toContain('text/plain');
    expect(ok.body).toContain('hebao_http_request_duration_seconds');
  });

  it('with HEBAO_METRICS_PORT, is served on that port alone', async () => {
    const port = await freePort();
    const t = await app({ HEBAO_METRICS_PORT: String(port), HOST: '127.0.0.1' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const main = (t.app.server.address() as net.AddressInfo).port;
    expect((await fetch(`http://127.0.0.1:${main}/metrics`)).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('hebao_http_request_duration_seconds');
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/wallet`)).status).toBe(404);
  });

  it('refuses a token too short to be a secret', async () => {
    await expect(startTestApp({ HEBAO_METRICS_TOKEN: 'short' })).rejects.toThrow(
      /HEBAO_METRICS_TOKEN/,
    );
  });
});

/** Helpers shared by this module's API tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { api, type TestApp, type TestUser, useTestApp } from '../../../test/support/app.ts';

/** The test app with media stored in a temporary directory, removed after the file. */
export async function useSocialTestApp(): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hebao-social-'));
  const t = await useTestApp({ HEBAO_DATA_DIR: dataDir });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  return t;
}

export function socialApi(t: TestApp) {
  const { call, user } = api(t);

  /** Makes two users friends through the API: a request and its acceptance. */
  const befriend = async (a: TestUser, b: TestUser) => {
    const sent = await call('POST', '/api/v1/friends/requests', {
      user: a,
      body: { userId: b.id },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const accepted = await call('POST', `/api/v1/friends/requests/${sent.json().id}/accept`, {
      user: b,
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
  };

  const post = async (author: TestUser, body: Record<string, unknown>) => {
    const res = await call('POST', '/api/v1/posts', { user: author, body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string } & Record<string, unknown>;
  };

  const feedOf = async (viewer: TestUser, query = '') => {
    const res = await call('GET', `/api/v1/feed${query}`, { user: viewer });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      items: ({ kind: 'post' | 'payment'; id: string } & Record<string, unknown>)[];
      nextCursor: string | null;
    };
  };

  const notificationsOf = async (u: TestUser) => {
    const res = await call('GET', '/api/v1/notifications?limit=100', { user: u });
    return (res.json().items as { kind: string; data: Record<string, unknown> }[]).map((n) => ({
      kind: n.kind,
      data: n.data,
    }));
  };

  return { call, user, befriend, post, feedOf, notificationsOf };
}

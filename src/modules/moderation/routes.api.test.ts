import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../../test/support/app.ts';
import { makeAdmin, signUp } from '../../../test/support/people.ts';

const t = await useTestApp();
const { call } = api(t);

describe('POST /api/v1/admin/moderation/reload', () => {
  it('is for admins only, and each reload is in the audit log', async () => {
    const someone = await signUp(t);
    const refused = await call('POST', '/api/v1/admin/moderation/reload', { user: someone });
    expect(refused.statusCode).toBe(403);

    const admin = await makeAdmin(t, await signUp(t));
    const res = await call('POST', '/api/v1/admin/moderation/reload', { user: admin });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ reloaded: true });
    const audit = await call('GET', '/api/v1/admin/audit', { user: admin });
    expect(audit.json().items).toContainEqual(
      expect.objectContaining({
        actorId: admin.id,
        action: 'moderation.reload',
        detail: { reloaded: true },
      }),
    );
  });
});

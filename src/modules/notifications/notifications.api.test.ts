import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../../test/support/app.ts';

const t = await useTestApp();
const { call, user } = api(t);

describe('notifications', () => {
  it('tells the receiver about money received, counts unread, and marks read', async () => {
    const a = await user({ balance: 1_000, nickname: 'Payer' });
    const b = await user();
    await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 250, note: 'thanks' },
    });
    const list = (await call('GET', '/api/v1/notifications', { user: b })).json();
    expect(list.unread).toBe(1);
    expect(list.items[0]).toMatchObject({
      kind: 'transfer.received',
      read: false,
      data: { amount: 250, fromUserId: a.id, note: 'thanks' },
    });
    // Nobody else sees them.
    expect((await call('GET', '/api/v1/notifications', { user: a })).json().items).toEqual([]);
    const read = await call('POST', '/api/v1/notifications/read', { user: b, body: { all: true } });
    expect(read.json()).toEqual({ unread: 0 });
    expect(
      (await call('POST', '/api/v1/notifications/read', { user: b, body: {} })).statusCode,
    ).toBe(422);
  });

  it('streams new notifications live and replays missed ones after Last-Event-ID', async () => {
    await t.services.notifications.startListening(() => {});
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address() as { port: number };
    const a = await user({ balance: 1_000 });
    const b = await user();
    await call('POST', '/api/v1/transfers', { user: a, body: { to: { userId: b.id }, amount: 1 } });
    const first = (await call('GET', '/api/v1/notifications', { user: b })).json().items[0];

    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${address.port}/api/v1/notifications/stream`, {
      headers: { ...b.auth, 'last-event-id': String(first.seq - 1) },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        // A stream that ends early must fail the test, not leave it with the replay alone.
        if (done) throw new Error(`the stream ended before ${needle}: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(`id: ${first.seq}`);
    await call('POST', '/api/v1/transfers', { user: a, body: { to: { userId: b.id }, amount: 2 } });
    const second = (await call('GET', '/api/v1/notifications', { user: b })).json().items[0];
    expect(second.seq).toBeGreaterThan(first.seq);
    await readUntil(`id: ${second.seq}`);
    await readUntil('"amount":2');
    // The live event itself, after the replayed one.
    expect(text.indexOf(`id: ${second.seq}`)).toBeGreaterThan(text.indexOf(`id: ${first.seq}`));
    expect(text).toContain('event: notification');
    expect(text).toContain('event: unread');
    controller.abort();
    await t.services.notifications.stop();
  });
});

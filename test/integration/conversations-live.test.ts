/**
 * New messages reach every member's open stream, whichever process the stream is on and
 * whichever process wrote the message: two Hebao processes on an external PostgreSQL, and two
 * on the embedded PostgreSQL that the first of them runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchDatabase, scratchDatabase } from '../support/ledger-scratch-db.ts';
import { freePort } from '../support/ports.ts';
import {
  type Client,
  embeddedInfo,
  http,
  type ServerProcess,
  startServer,
  stopServer,
  waitHealthy,
} from '../support/server-process.ts';

interface LiveMessage {
  id: string;
  conversationId: string;
  kind: string;
  text?: string;
  refId?: string;
}

/** A member's open stream, collecting the `message` events it receives. */
async function messageStream(base: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/notifications/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`);
  const got: LiveMessage[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = event.split('\n').find((l) => l.startsWith('data: '));
          if (!event.includes('event: message\n') || !data) continue;
          got.push(JSON.parse(data.slice(6)) as LiveMessage);
          for (const w of waiters) w();
        }
      }
    } catch {}
  })();
  return {
    got,
    /** Resolves with the first message `match` accepts; rejects after `ms`. */
    until(match: (m: LiveMessage) => boolean, ms = 10_000): Promise<LiveMessage> {
      const found = () => got.find(match);
      const now = found();
      if (now) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no live message within ${ms} ms`)), ms);
        waiters.push(() => {
          const m = found();
          if (!m) return;
          clearTimeout(t);
          resolve(m);
        });
      });
    },
    close: () => controller.abort(),
  };
}

async function befriend(base: string, a: Client, b: Client): Promise<void> {
  const api = http(base);
  const sent = await api.call('POST', '/api/v1/friends/requests', {
    token: a.token,
    body: { userId: b.id },
  });
  if (sent.status !== 201) throw new Error(`request: ${sent.status} ${JSON.stringify(sent.body)}`);
  const ok = await api.call('POST', `/api/v1/friends/requests/${sent.body.id}/accept`, {
    token: b.token,
  });
  if (ok.status !== 200) throw new Error(`accept: ${ok.status}`);
}

function liveSuite(mode: 'external' | 'embedded') {
  describe(`live messages across two processes (${mode} PostgreSQL)`, () => {
    const servers: ServerProcess[] = [];
    let scratch: ScratchDatabase | undefined;
    let dataDir: string | undefined;

    beforeAll(async () => {
      if (mode === 'external') {
        scratch = await scratchDatabase('convlive');
        for (let i = 0; i < 2; i++) servers.push(await startServer({ DATABASE_URL: scratch.url }));
      } else {
        dataDir = mkdtempSync(path.join(tmpdir(), 'hebao-convlive-'));
        servers.push(
          await startServer({
            DATABASE_URL: undefined,
            HEBAO_DATA_DIR: dataDir,
            HEBAO_EMBEDDED_PG_PORT: String(await freePort()),
          }),
        );
        await waitHealthy(servers[0]!, 90_000);
        // The second process uses the first one's embedded PostgreSQL, as an operator would.
        servers.push(await startServer({ DATABASE_URL: embeddedInfo(dataDir).url }));
      }
      await Promise.all(servers.map((s) => waitHealthy(s, 90_000)));
    }, 180_000);

    afterAll(async () => {
      // The embedded database's owner goes last.
      for (const s of [...servers].reverse()) await stopServer(s);
      await scratch?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('delivers a group text, a group red envelope and a friend transfer to every member, live', async () => {
      const [one, two] = servers as [ServerProcess, ServerProcess];
      const setup = http(one.base);
      const a = await setup.user(100_000);
      const b = await setup.user();
      const c = await setup.user();
      await befriend(one.base, a, b);
      await befriend(two.base, a, c);
      const group = await setup.call('POST', '/api/v1/groups', {
        token: a.token,
        body: { name: 'live', memberIds: [b.id, c.id] },
      });
      expect(group.status).toBe(201);
      const groupId = group.body.id as string;

      // B listens on process one, C on process two; A writes through both.
      const bStream = await messageStream(one.base, b.token);
      const cStream = await messageStream(two.base, c.token);
      try {
        const text = await http(two.base).call(
          'POST',
          `/api/v1/conversations/${groupId}/messages`,
          {
            token: a.token,
            body: { text: '红包来了' },
          },
        );
        expect(text.status).toBe(201);
        for (const s of [bStream, cStream]) {
          const m = await s.until((x) => x.id === text.body.id);
          expect(m).toMatchObject({ conversationId: groupId, kind: 'text', text: '红包来了' });
        }

        const envelope = await http(one.base).call('POST', '/api/v1/red-packets', {
          token: a.token,
          body: { kind: 'lucky', count: 2, totalAmount: 200, to: { groupId } },
          headers: { 'idempotency-key': `live-${mode}` },
        });
        expect(envelope.status).toBe(201);
        for (const s of [bStream, cStream]) {
          const m = await s.until((x) => x.refId === envelope.body.id);
          expect(m).toMatchObject({ conversationId: groupId, kind: 'red_packet' });
        }

        const transfer = await http(two.base).call('POST', '/api/v1/transfers', {
          token: a.token,
          body: { to: { userId: b.id }, amount: 66 },
        });
        expect(transfer.status).toBe(201);
        const m = await bStream.until((x) => x.refId === transfer.body.id);
        expect(m.kind).toBe('transfer');
        // C is not in A and B's direct conversation: nothing of it reaches C.
        await new Promise((r) => setTimeout(r, 300));
        expect(cStream.got.some((x) => x.refId === transfer.body.id)).toBe(false);
        expect(cStream.got.filter((x) => x.refId === envelope.body.id)).toHaveLength(1);
      } finally {
        bStream.close();
        cStream.close();
      }
    }, 60_000);
  });
}

liveSuite('external');
liveSuite('embedded');

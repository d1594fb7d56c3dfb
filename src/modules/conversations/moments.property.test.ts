/**
 * Exactly one message per money movement, whatever a client does: random sequences of
 * transfers and red envelopes, to a friend, a stranger or a group, with Idempotency-Keys reused
 * (same body: a replay; another body: a new movement or a conflict) and responses "lost" (the
 * stored answer wiped, as a crash between commit and answer leaves it). After every sequence:
 * every movement in the ledger between friends or to the group has exactly one message with its
 * id, a stranger's none, and no message names money that did not move.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import '../../../test/support/fast-check.ts';
import { directConversationId } from './store.ts';

const t = await useTestApp();
const { call, user, befriend } = api(t);
const db = t.services.db;

const stepArb = fc.record({
  op: fc.constantFrom('transfer', 'envelope'),
  to: fc.constantFrom('friend', 'stranger', 'group'),
  key: fc.integer({ min: 0, max: 3 }),
  amount: fc.integer({ min: 1, max: 3 }),
  lose: fc.boolean(),
});

async function moved(a: TestUser, b: TestUser) {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text FROM ledger_transfers
      WHERE kind = 'transfer' AND metadata->>'from' = $1 AND metadata->>'to' = $2`,
    [a.id, b.id],
  );
  return rows.map((r) => r.id).sort();
}

async function messageRefs(conversationId: string, kind: string) {
  const { rows } = await db.query<{ ref_id: string; n: number }>(
    `SELECT ref_id, count(*)::int AS n FROM conversation_messages
      WHERE conversation_id = $1 AND kind = $2 GROUP BY ref_id`,
    [conversationId, kind],
  );
  return rows;
}

describe('money moments', () => {
  it('one message per movement, none without one, through replays, conflicts and lost answers', async () => {
    const a = await user({ balance: 5_000_000 });
    const friend = await user();
    const stranger = await user();
    await befriend(a, friend);
    const group = await call('POST', '/api/v1/groups', {
      user: a,
      body: { name: 'p', memberIds: [friend.id] },
    });
    const groupId = group.json().id as string;
    const direct = directConversationId(a.id, friend.id);
    let run = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
        run++;
        for (const s of steps) {
          const key = `prop-${run}-${s.op}-${s.key}`;
          const target = s.to === 'friend' ? friend : s.to === 'stranger' ? stranger : undefined;
          const res =
            s.op === 'transfer'
              ? await call('POST', '/api/v1/transfers', {
                  user: a,
                  headers: { 'idempotency-key': key },
                  body: {
                    to: { userId: (target ?? friend).id },
                    amount: s.amount,
                  },
                })
              : await call('POST', '/api/v1/red-packets', {
                  user: a,
                  headers: { 'idempotency-key': key },
                  body: {
                    kind: 'fixed',
                    count: 1,
                    amountEach: s.amount,
                    to: target ? { userId: target.id } : { groupId },
                  },
                });
          // A reused key with another body is a conflict; everything else goes through.
          expect([201, 409], res.body).toContain(res.statusCode);
          if (res.statusCode === 409) expect(res.json().code).toBe('idempotency_conflict');
          if (s.lose) {
            await db.query(
              `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL
                WHERE user_id = $1 AND key = $2`,
              [a.id, key],
            );
          }
        }

        const toFriend = await moved(a, friend);
        const transfers = await messageRefs(direct, 'transfer');
        expect(transfers.map((m) => m.ref_id).sort()).toEqual(toFriend);
        expect(transfers.every((m) => m.n === 1)).toBe(true);

        const toStranger = await moved(a, stranger);
        const { rows: strays } = await db.query(
          'SELECT 1 FROM conversation_messages WHERE ref_id = ANY($1::text[])',
          [toStranger],
        );
        expect(strays).toEqual([]);

        const { rows: packets } = await db.query<{ id: string; to_user_id: string | null }>(
          `SELECT id::text, to_user_id::text FROM red_packets WHERE sender_id = $1`,
          [a.id],
        );
        const inGroup = await messageRefs(groupId, 'red_packet');
        const inDirect = await messageRefs(direct, 'red_packet');
        expect(inGroup.map((m) => m.ref_id).sort()).toEqual(
          packets
            .filter((p) => p.to_user_id === null)
            .map((p) => p.id)
            .sort(),
        );
        expect(inDirect.map((m) => m.ref_id).sort()).toEqual(
          packets
            .filter((p) => p.to_user_id === friend.id)
            .map((p) => p.id)
            .sort(),
        );
        expect([...inGroup, ...inDirect].every((m) => m.n === 1)).toBe(true);
        const { rows: strangerPackets } = await db.query(
          `SELECT 1 FROM conversation_messages m JOIN red_packets p ON p.id::text = m.ref_id
            WHERE p.to_user_id = $1`,
          [stranger.id],
        );
        expect(strangerPackets).toEqual([]);
      }),
      { numRuns: 40 },
    );
    // The sequences did move money, to each kind of receiver.
    expect((await moved(a, friend)).length).toBeGreaterThan(0);
    expect((await moved(a, stranger)).length).toBeGreaterThan(0);
    expect((await messageRefs(groupId, 'red_packet')).length).toBeGreaterThan(0);
  }, 180_000);
});

/**
 * What the payment pipeline promises a client that retries: the idempotency record commits
 * with the money (never "in progress" forever), ids carry the request's fingerprint, and a
 * payment's side effects (notification, feed) commit with it and are delivered exactly once.
 */
import { describe, expect, it } from 'vitest';
import { socialApi } from '../../src/modules/social/testing.ts';
import { FEED_PAYMENT_TOPIC, type FeedPayment } from '../../src/modules/wallet/index.ts';
import { IdempotencyStore } from '../../src/platform/idempotency.ts';
import { OutboxDispatcher } from '../../src/platform/outbox.ts';
import { api, type TestUser, useTestApp } from '../support/app.ts';

const t = await useTestApp();
const { call, user, balance } = api(t);
const { befriend } = socialApi(t);
const db = t.services.db;

const transfer = (from: TestUser, body: Record<string, unknown>, key: string) =>
  call('POST', '/api/v1/transfers', { user: from, body, headers: { 'idempotency-key': key } });

async function keyRow(u: TestUser, key: string) {
  const { rows } = await db.query(
    'SELECT response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [u.id, key],
  );
  return rows[0] as { response_status: number | null; response_body: unknown } | undefined;
}

async function ledgerTransfersBetween(a: TestUser, b: TestUser): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM ledger_transfers
      WHERE metadata->>'from' = $1 AND metadata->>'to' = $2 AND flags & 12 = 0`,
    [a.id, b.id],
  );
  return rows[0].n;
}

describe('a retry with the same Idempotency-Key', () => {
  it('gets the stored response, which committed with the money', async () => {
    const a = await user({ balance: 1_000, pin: '246810' });
    const b = await user();
    const body = { to: { userId: b.id }, amount: 300, pin: '246810' };
    const first = await transfer(a, body, 'k-stored');
    expect(first.statusCode, first.body).toBe(201);
    // Written by the group commit itself, not by a later statement.
    expect(await keyRow(a, 'k-stored')).toMatchObject({ response_status: 201 });
    const again = await transfer(a, body, 'k-stored');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await balance(b)).toBe(300);
  });

  it('after a crash that lost the response, answers with the money that moved, not 409 in progress', async () => {
    // A family payment commits its key's record in its own transaction, without the response
    // (built after the commit): a crash right after the commit leaves exactly this row.
    const payer = await user({ balance: 10_000 });
    const member = await user();
    const shop = await user();
    await befriend(payer, member);
    const link = await call('POST', '/api/v1/family/links', {
      user: payer,
      body: { memberUserId: member.id, monthlyLimit: 5_000, relation: 'child' },
    });
    expect(link.statusCode, link.body).toBe(201);
    const body = {
      to: { userId: shop.id },
      amount: 700,
      fundingSource: { familyLinkId: link.json().id },
    };
    const first = await transfer(member, body, 'k-crash');
    expect(first.statusCode, first.body).toBe(201);
    await db.query(
      `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL
        WHERE user_id = $1 AND key = 'k-crash'`,
      [member.id],
    );
    const retry = await transfer(member, body, 'k-crash');
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.json().id).toBe(first.json().id);
    expect(await balance(shop)).toBe(700);
    expect(await balance(payer)).toBe(9_300);
    // And the answer is kept from now on.
    expect(await keyRow(member, 'k-crash')).toMatchObject({ response_status: 201 });
  });

  it('left unanswered by the code before the pipeline finds the money that moved then', async () => {
    // The old code claimed the key empty, derived the transfer id from the key alone, and died
    // before answering: the money moved, the key stayed "in progress" (migration 0023 marks it).
    const a = await user({ balance: 1_000 });
    const b = await user();
    const body = { to: { userId: b.id }, amount: 400 };
    const moved = await t.services.wallet.transfer(
      { id: a.id, verified: true },
      { ...body },
      'k-legacy',
    );
    await db.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, legacy_ids) VALUES ($1, 'k-legacy', $2, true)`,
      [a.id, IdempotencyStore.fingerprint({ method: 'POST', path: '/api/v1/transfers', body })],
    );
    const retry = await transfer(a, body, 'k-legacy');
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.json().id).toBe(moved.id);
    expect(await balance(b)).toBe(400);
    expect(await keyRow(a, 'k-legacy')).toMatchObject({ response_status: 201 });
  });

  it('with another request is refused while the record is kept', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    expect((await transfer(a, { to: { userId: b.id }, amount: 100 }, 'k-other')).statusCode).toBe(
      201,
    );
    const other = await transfer(a, { to: { userId: b.id }, amount: 200 }, 'k-other');
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await balance(b)).toBe(100);
  });

  it('reused after the 48-hour purge for another request makes a new payment, never the old answer', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user();
    const c = await user();
    const first = await transfer(a, { to: { userId: b.id }, amount: 100 }, 'k-purged');
    expect(first.statusCode).toBe(201);
    t.clock.advance(49 * 3_600_000);
    await t.services.idempotency.purgeOlderThan(48, new Date(Date.now() + 49 * 3_600_000));
    expect(await keyRow(a, 'k-purged')).toBeUndefined();
    const reused = await transfer(a, { to: { userId: c.id }, amount: 250 }, 'k-purged');
    expect(reused.statusCode, reused.body).toBe(201);
    expect(reused.json().id).not.toBe(first.json().id);
    expect(reused.json().to).toEqual({ userId: c.id });
    expect(await balance(c)).toBe(250);

    // The same for a red envelope: a new envelope, not the old one answered as a 201.
    const env = (to: TestUser, amount: number) =>
      call('POST', '/api/v1/red-packets', {
        user: a,
        body: { kind: 'fixed', count: 1, amountEach: amount, to: { userId: to.id } },
        headers: { 'idempotency-key': 'k-envelope' },
      });
    const e1 = await env(b, 66);
    expect(e1.statusCode, e1.body).toBe(201);
    await db.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = 'k-envelope'", [
      a.id,
    ]);
    const e2 = await env(c, 88);
    expect(e2.statusCode, e2.body).toBe(201);
    expect(e2.json().id).not.toBe(e1.json().id);
    expect(e2.json().totalAmount).toBe(88);

    // And a settle-up: the same key in another group settles there, not "again" in the first.
    const debtor = await user({ balance: 10_000 });
    const groups: string[] = [];
    await befriend(a, debtor);
    for (const name of ['合租', '旅行']) {
      const g = await call('POST', '/api/v1/groups', {
        user: a,
        body: { name, memberIds: [debtor.id] },
      });
      expect(g.statusCode, g.body).toBe(201);
      const expense = await call('POST', `/api/v1/groups/${g.json().id}/expenses`, {
        user: a,
        body: {
          description: '房租',
          amount: 1_000,
          paidBy: a.id,
          split: { method: 'equal', participants: [{ userId: a.id }, { userId: debtor.id }] },
        },
      });
      expect(expense.statusCode, expense.body).toBe(201);
      groups.push(g.json().id as string);
    }
    const settle = (groupId: string) =>
      call('POST', `/api/v1/groups/${groupId}/settlements`, {
        user: debtor,
        body: { to: a.id, amount: 500 },
        headers: { 'idempotency-key': 'k-settle' },
      });
    const s1 = await settle(groups[0]!);
    expect(s1.statusCode, s1.body).toBe(201);
    await db.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = 'k-settle'", [
      debtor.id,
    ]);
    const s2 = await settle(groups[1]!);
    expect(s2.statusCode, s2.body).toBe(201);
    expect(s2.json().id).not.toBe(s1.json().id);
    expect(await balance(debtor)).toBe(9_000);
  });

  it('sent many times at once moves the money once and answers every copy alike', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const body = { to: { userId: b.id }, amount: 10 };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...a.auth, 'idempotency-key': 'k-burst' },
          payload: body,
        }),
      ),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((r) => r.json().id)).size).toBe(1);
    expect(await balance(b)).toBe(10);
    expect(await ledgerTransfersBetween(a, b)).toBe(1);
  });
});

describe("a payment's side effects", () => {
  it('commit with the money and reach the feed exactly once, whichever process delivers them', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const friends = [await user(), await user(), await user()];
    for (const f of friends) await befriend(a, f);
    // Two more dispatchers below stand for two more server processes delivering at once.
    await t.services.outbox.drain();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/transfers',
      headers: { ...a.auth, 'idempotency-key': 'k-effects' },
      payload: { to: { userId: b.id }, amount: 5, note: '奶茶' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const transferId = res.json().id as string;
    // Acknowledged means durable: the notification is there already.
    const { rows: notes } = await db.query(
      "SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND kind = 'transfer.received' AND data->>'transferId' = $2",
      [b.id, transferId],
    );
    expect(notes[0].n).toBe(1);
    // So is the moderation decision on its note, written by the same commit.
    const { rows: decisions } = await db.query(
      "SELECT count(*)::int AS n FROM moderation_decisions WHERE user_id = $1 AND context = 'note'",
      [a.id],
    );
    expect(decisions[0].n).toBe(1);

    const others = [new OutboxDispatcher(db), new OutboxDispatcher(db)];
    for (const d of others) d.on(FEED_PAYMENT_TOPIC, payloadHandler);
    await Promise.all([t.services.outbox.drain(), ...others.map((d) => d.drain())]);
    await Promise.all([t.services.outbox.drain(), ...others.map((d) => d.drain())]);

    const { rows: payments } = await db.query(
      'SELECT count(*)::int AS n FROM feed_payments WHERE transfer_id = $1',
      [transferId],
    );
    expect(payments[0].n).toBe(1);
    // Each party and each of their friends sees it once in their feed.
    for (const u of [a, b, ...friends]) {
      const page = await t.services.social.feed.feed(u.id, { limit: 20 });
      expect(page.items.filter((i) => i.id === transferId)).toHaveLength(1);
    }
    const { rows: left } = await db.query(
      "SELECT count(*)::int AS n FROM outbox WHERE payload->>'transferId' = $1",
      [transferId],
    );
    expect(left[0].n).toBe(0);
  });

  it('are retried alone when one fails, and the others still go', async () => {
    const d = new OutboxDispatcher(db);
    const seen: string[] = [];
    d.on('test.flaky', async (tx, payloads) => {
      await tx.query('SELECT 1');
      if (payloads.some((p) => p.fail)) throw new Error('not yet');
      seen.push(...payloads.map((p) => String(p.n)));
    });
    await db.query(
      `INSERT INTO outbox (topic, payload) VALUES
         ('test.flaky', '{"n": 1}'), ('test.flaky', '{"n": 2, "fail": true}'), ('test.flaky', '{"n": 3}')`,
    );
    await d.drain();
    expect(seen.sort()).toEqual(['1', '3']);
    const { rows } = await db.query(
      "SELECT attempts, last_error, available_at > now() AS later FROM outbox WHERE topic = 'test.flaky'",
    );
    expect(rows).toEqual([{ attempts: 1, last_error: 'not yet', later: true }]);
    await db.query("DELETE FROM outbox WHERE topic = 'test.flaky'");
  });
});

// The real handler, as services.ts registers it on every process's dispatcher.
async function payloadHandler(
  tx: Parameters<Parameters<OutboxDispatcher['on']>[1]>[0],
  payloads: Record<string, unknown>[],
) {
  await t.services.social.feed.recordPaymentsIn(
    tx,
    payloads.map((payload) => {
      const p = payload as unknown as FeedPayment & { createdAt: string };
      return { ...p, createdAt: new Date(p.createdAt) };
    }),
  );
}

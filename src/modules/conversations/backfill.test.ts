/**
 * Migration 0050 gives every group that already exists its conversation: on a database where
 * groups were made before it, the migration backfills them, and the trigger covers later ones.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { scratchDatabase } from '../../../test/support/ledger-scratch-db.ts';
import { migrate } from '../../db/migrate.ts';
import { createPool } from '../../db/pool.ts';

const scratch = await scratchDatabase('convbackfill');
const db = createPool(scratch.url, 1);
afterAll(async () => {
  await db.end();
  await scratch.drop();
});

async function userRow(): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO users (id, phone, password_hash, nickname) VALUES ($1, $2, 'x', 'n')`,
    [id, `+86139${Math.floor(Math.random() * 1e8)}`],
  );
  return id;
}

it('backfills a conversation for every group made before it, and makes one for each new group', async () => {
  // The database as it was before 0050: its objects gone and it unrecorded.
  await db.query(`
    DROP TRIGGER groups_conversation ON groups;
    DROP FUNCTION hebao_group_conversation();
    DROP TABLE conversation_reads, conversation_messages, conversations;
    DROP SEQUENCE conversation_seq;
    DELETE FROM schema_migrations WHERE name = '0050_conversations.sql';`);
  const owner = await userRow();
  const old = [randomUUID(), randomUUID()];
  for (const id of old) {
    await db.query(
      `INSERT INTO groups (id, name, owner_id, created_at) VALUES ($1, 'g', $2, now())`,
      [id, owner],
    );
  }
  expect(await migrate(db)).toEqual(['0050_conversations.sql']);
  const fresh = randomUUID();
  await db.query(
    `INSERT INTO groups (id, name, owner_id, created_at) VALUES ($1, 'g', $2, now())`,
    [fresh, owner],
  );
  const { rows } = await db.query(
    `SELECT id::text, kind, group_id::text FROM conversations WHERE id = ANY($1::uuid[]) ORDER BY created_seq`,
    [[...old, fresh]],
  );
  expect(rows).toHaveLength(3);
  for (const r of rows) expect(r).toMatchObject({ kind: 'group', group_id: r.id });
  expect(rows.map((r) => r.id).sort()).toEqual([...old, fresh].sort());
});

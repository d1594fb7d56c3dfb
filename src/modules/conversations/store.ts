/** The SQL of conversations: threads, messages, read positions, and the live signal. */
import type { Queryable } from '../../db/pool.ts';
import { derivedId, newId } from '../../platform/ids.ts';

/** The NOTIFY channel of new (and removed) messages: one notify per message, not per member. */
export const MESSAGE_CHANNEL = 'hebao_conversations';

export type MessageKind = 'text' | 'transfer' | 'red_packet' | 'collection' | 'system';
export type MomentKind = Exclude<MessageKind, 'text'>;
export type MessageStatus = 'visible' | 'held' | 'taken_down';

export interface MessageView {
  id: string;
  conversationId: string;
  senderId: string;
  kind: MessageKind;
  text?: string;
  refId?: string;
  /** A money card's facts as they were when the money moved (amount, currency, who). */
  data?: Record<string, unknown>;
  createdAt: string;
  /** Held for review: only its sender sees it, until a reviewer publishes it. */
  held?: true;
}

export interface Conversation {
  id: string;
  kind: 'direct' | 'group';
  groupId: string | null;
  /** The two members of a direct conversation. */
  pair: [string, string] | null;
}

export interface ConversationListItem {
  id: string;
  kind: 'direct' | 'group';
  peer?: { userId: string; nickname: string };
  groupId?: string;
  groupName?: string;
  lastMessage: MessageView | null;
  unread: number;
}

/**
 * A money moment as the ledger's batch writer takes it (writer `conversations`): written in
 * the money's transaction, once per `momentKey`.
 */
export interface MomentRow {
  conversationId: string;
  /**
   * A direct conversation's members: it is made with the message if it does not exist, and
   * both are written only if the two are friends when the money commits.
   */
  pair?: [string, string];
  senderId: string;
  kind: MomentKind;
  refId: string;
  momentKey: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** The direct conversation of two users: one id for the pair, whoever asks first. */
export function directConversationId(a: string, b: string): string {
  const [x, y] = orderedPair(a, b);
  return derivedId('conversation.direct', x, y);
}

/** PostgreSQL compares uuids byte by byte: the same order as their lowercase hex. */
export function orderedPair(a: string, b: string): [string, string] {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? [x, y] : [y, x];
}

interface MessageRow {
  seq: string;
  id: string;
  conversation_id: string;
  sender_id: string;
  kind: MessageKind;
  text: string | null;
  ref_id: string | null;
  data: Record<string, unknown>;
  status: MessageStatus;
  created_at: Date;
}

const MESSAGE_COLUMNS =
  'm.seq, m.id, m.conversation_id, m.sender_id, m.kind, m.text, m.ref_id, m.data, m.status, m.created_at';

export function toMessage(r: MessageRow): MessageView {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    senderId: r.sender_id,
    kind: r.kind,
    ...(r.text !== null ? { text: r.text } : {}),
    ...(r.ref_id !== null ? { refId: r.ref_id } : {}),
    ...(r.kind !== 'text' ? { data: r.data } : {}),
    createdAt: r.created_at.toISOString(),
    ...(r.status === 'held' ? { held: true as const } : {}),
  };
}

/** Who may see a message: everyone in the thread when visible, its sender alone when held. */
const SEEN_BY = (viewer: string) =>
  `(m.status = 'visible' OR (m.status = 'held' AND m.sender_id = ${viewer}))`;

/** Makes the direct conversation of a pair; true if this call made it. */
export async function insertDirect(q: Queryable, a: string, b: string, at: Date): Promise<boolean> {
  const [x, y] = orderedPair(a, b);
  const { rowCount } = await q.query(
    `INSERT INTO conversations (id, kind, user_a, user_b, created_at)
     VALUES ($1, 'direct', $2, $3, $4) ON CONFLICT DO NOTHING`,
    [directConversationId(x, y), x, y, at],
  );
  return rowCount === 1;
}

/** The conversation if `userId` is in it now (a group's current member, or one of the pair). */
export async function conversationFor(
  q: Queryable,
  userId: string,
  conversationId: string,
): Promise<Conversation | undefined> {
  const { rows } = await q.query<{
    id: string;
    kind: 'direct' | 'group';
    group_id: string | null;
    user_a: string | null;
    user_b: string | null;
  }>(
    `SELECT c.id, c.kind, c.group_id, c.user_a, c.user_b FROM conversations c
      WHERE c.id = $2 AND (
        (c.kind = 'direct' AND $1 IN (c.user_a, c.user_b))
        OR (c.kind = 'group' AND EXISTS (
              SELECT 1 FROM group_members gm
               WHERE gm.group_id = c.group_id AND gm.user_id = $1 AND gm.left_at IS NULL)))`,
    [userId, conversationId],
  );
  const c = rows[0];
  if (!c) return undefined;
  return {
    id: c.id,
    kind: c.kind,
    groupId: c.group_id,
    pair: c.user_a && c.user_b ? [c.user_a, c.user_b] : null,
  };
}

/** A user's conversations, most recent first (by their last message, else by when made). */
export async function listConversations(
  q: Queryable,
  userId: string,
  limit: number,
  beforeActivity: number | undefined,
  onlyId?: string,
): Promise<{ items: ConversationListItem[]; nextActivity: number | null }> {
  const { rows } = await q.query<
    MessageRow & {
      cid: string;
      ckind: 'direct' | 'group';
      group_id: string | null;
      group_name: string | null;
      peer_id: string | null;
      peer_nickname: string | null;
      activity: string;
      unread: number;
    }
  >(
    `WITH mine AS (
       SELECT c.id, c.kind, c.group_id, c.user_b AS peer_id, c.created_seq
         FROM conversations c WHERE c.kind = 'direct' AND c.user_a = $1
       UNION ALL
       SELECT c.id, c.kind, c.group_id, c.user_a, c.created_seq
         FROM conversations c WHERE c.kind = 'direct' AND c.user_b = $1
       UNION ALL
       SELECT c.id, c.kind, c.group_id, NULL, c.created_seq
         FROM group_members gm JOIN conversations c ON c.id = gm.group_id
        WHERE gm.user_id = $1 AND gm.left_at IS NULL
     ), ranked AS (
       SELECT mine.id AS cid, mine.kind AS ckind, mine.group_id, mine.peer_id, last.*,
              coalesce(last.seq, mine.created_seq) AS activity
         FROM mine
         LEFT JOIN LATERAL (
           SELECT ${MESSAGE_COLUMNS} FROM conversation_messages m
            WHERE m.conversation_id = mine.id AND ${SEEN_BY('$1')}
            ORDER BY m.seq DESC LIMIT 1) last ON true
     )
     SELECT r.*, u.nickname AS peer_nickname, g.name AS group_name,
            (SELECT count(*) FROM conversation_messages m
              WHERE m.conversation_id = r.cid AND m.status = 'visible' AND m.sender_id <> $1
                AND m.seq > coalesce((SELECT read_seq FROM conversation_reads cr
                                       WHERE cr.conversation_id = r.cid AND cr.user_id = $1), 0)
            )::int AS unread
       FROM ranked r
       LEFT JOIN users u ON u.id = r.peer_id
       LEFT JOIN groups g ON g.id = r.group_id
      WHERE ($2::bigint IS NULL OR r.activity < $2) AND ($4::uuid IS NULL OR r.cid = $4)
      ORDER BY r.activity DESC LIMIT $3`,
    [userId, beforeActivity ?? null, limit + 1, onlyId ?? null],
  );
  const items = rows.slice(0, limit).map(
    (r): ConversationListItem => ({
      id: r.cid,
      kind: r.ckind,
      ...(r.peer_id ? { peer: { userId: r.peer_id, nickname: r.peer_nickname ?? '' } } : {}),
      ...(r.group_id ? { groupId: r.group_id, groupName: r.group_name ?? '' } : {}),
      lastMessage: r.seq === null ? null : toMessage({ ...r, conversation_id: r.cid }),
      unread: r.unread,
    }),
  );
  const last = rows[limit - 1];
  return { items, nextActivity: rows.length > limit && last ? Number(last.activity) : null };
}

/** A thread's messages as `viewerId` may see them, newest first. */
export async function listMessages(
  q: Queryable,
  conversationId: string,
  viewerId: string,
  limit: number,
  beforeSeq: number | undefined,
): Promise<{ items: MessageView[]; nextSeq: number | null }> {
  const { rows } = await q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM conversation_messages m
      WHERE m.conversation_id = $1 AND ${SEEN_BY('$2')}
        AND ($3::bigint IS NULL OR m.seq < $3)
      ORDER BY m.seq DESC LIMIT $4`,
    [conversationId, viewerId, beforeSeq ?? null, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    items: page.map(toMessage),
    nextSeq: rows.length > limit ? Number(page[page.length - 1]!.seq) : null,
  };
}

/**
 * A text message, and its live signal when it is visible (one NOTIFY, sent at commit).
 * `status` held: stored for its sender and the reviewers only.
 */
export async function insertText(
  q: Queryable,
  m: { conversationId: string; senderId: string; text: string; held: boolean; at: Date },
): Promise<MessageView> {
  const { rows } = await q.query<MessageRow>(
    `WITH ins AS (
       INSERT INTO conversation_messages (id, conversation_id, sender_id, kind, text, status, created_at)
       VALUES ($1, $2, $3, 'text', $4, $5, $6)
       RETURNING seq, id, conversation_id, sender_id, kind, text, ref_id, data, status, created_at
     ), signal AS (
       SELECT pg_notify($7, json_build_object('c', conversation_id, 's', seq, 'op', 'new')::text)
         FROM ins WHERE status = 'visible'
     )
     SELECT ins.* FROM ins LEFT JOIN signal ON true`,
    [
      newId(),
      m.conversationId,
      m.senderId,
      m.text,
      m.held ? 'held' : 'visible',
      m.at,
      MESSAGE_CHANNEL,
    ],
  );
  return toMessage(rows[0]!);
}

/**
 * Money moments of a whole group-commit batch (or of one feature's transaction): the direct
 * conversations they need, then the messages, each with its NOTIFY; a moment already written
 * (a replay) is skipped by its key.
 */
export async function insertMoments(q: Queryable, rows: readonly MomentRow[]): Promise<void> {
  if (rows.length === 0) return;
  const pairs = rows.map((r) => (r.pair ? orderedPair(...r.pair) : null));
  // One statement: the direct conversations needed, the messages, a NOTIFY each (the foreign
  // key is checked at the statement's end, after the conversations are in). Friendship is
  // checked here, in the money's transaction, not by a read before it: no round trip of its
  // own, and what counts is the friendship when the money moves.
  await q.query(
    `WITH v AS (
       SELECT v.* FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                              $6::jsonb[], $7::text[], $8::timestamptz[], $10::uuid[], $11::uuid[])
                AS v(id, c, s, k, r, d, key, at, a, b)
        WHERE v.a IS NULL
           OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = v.a AND f.friend_id = v.b)
     ), direct AS (
       INSERT INTO conversations (id, kind, user_a, user_b, created_at)
       SELECT DISTINCT ON (v.c) v.c, 'direct', v.a, v.b, v.at FROM v
        WHERE v.a IS NOT NULL ORDER BY v.c
       ON CONFLICT DO NOTHING
     ), ins AS (
       INSERT INTO conversation_messages
         (id, conversation_id, sender_id, kind, ref_id, data, moment_key, created_at)
       SELECT v.id, v.c, v.s, v.k, v.r, v.d, v.key, v.at FROM v
       ON CONFLICT (moment_key) DO NOTHING
       RETURNING conversation_id, seq
     )
     SELECT pg_notify($9, json_build_object('c', conversation_id, 's', seq, 'op', 'new')::text)
       FROM ins`,
    [
      rows.map(() => newId()),
      rows.map((r) => r.conversationId),
      rows.map((r) => r.senderId),
      rows.map((r) => r.kind),
      rows.map((r) => r.refId),
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => r.momentKey),
      rows.map((r) => r.createdAt),
      MESSAGE_CHANNEL,
      pairs.map((p) => p?.[0] ?? null),
      pairs.map((p) => p?.[1] ?? null),
    ],
  );
}

/** Everything up to the newest message now counts as read for `userId`. */
export async function markRead(q: Queryable, conversationId: string, userId: string) {
  await q.query(
    `INSERT INTO conversation_reads (conversation_id, user_id, read_seq)
     SELECT $1, $2, coalesce(max(seq), 0) FROM conversation_messages WHERE conversation_id = $1
     ON CONFLICT (conversation_id, user_id)
       DO UPDATE SET read_seq = greatest(conversation_reads.read_seq, EXCLUDED.read_seq)`,
    [conversationId, userId],
  );
}

/** The message of a live signal, with the members of its conversation now. */
export async function messagesWithMembers(
  q: Queryable,
  seqs: readonly number[],
): Promise<{ message: MessageView; status: MessageStatus; members: string[] }[]> {
  const { rows } = await q.query<MessageRow & { members: string[] }>(
    `SELECT ${MESSAGE_COLUMNS},
            CASE WHEN c.kind = 'direct' THEN ARRAY[c.user_a, c.user_b]
                 ELSE ARRAY(SELECT gm.user_id FROM group_members gm
                             WHERE gm.group_id = c.group_id AND gm.left_at IS NULL) END::text[] AS members
       FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.seq = ANY($1::bigint[]) ORDER BY m.seq`,
    [seqs],
  );
  return rows.map((r) => ({ message: toMessage(r), status: r.status, members: r.members }));
}

/** A message as the review queue needs it: content and author, whatever its status. */
export interface ReviewableMessage {
  id: string;
  conversationId: string;
  authorId: string;
  kind: MessageKind;
  content: string | null;
  status: MessageStatus;
  createdAt: string;
}

function toReviewable(r: MessageRow): ReviewableMessage {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    authorId: r.sender_id,
    kind: r.kind,
    content: r.text,
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}

export async function messageForReview(
  q: Queryable,
  id: string,
): Promise<ReviewableMessage | undefined> {
  const { rows } = await q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM conversation_messages m WHERE m.id = $1`,
    [id],
  );
  return rows[0] ? toReviewable(rows[0]) : undefined;
}

/**
 * Moves a message from one status to another (take down, publish a held one) and signals the
 * change to open sessions; false if it was not in `from`.
 */
export async function changeStatus(
  q: Queryable,
  id: string,
  from: readonly MessageStatus[],
  to: MessageStatus,
): Promise<boolean> {
  const { rows } = await q.query(
    `WITH upd AS (
       UPDATE conversation_messages SET status = $3 WHERE id = $1 AND status = ANY($2::text[])
       RETURNING conversation_id, seq
     )
     SELECT pg_notify($4, json_build_object('c', conversation_id, 's', seq,
                                            'op', CASE WHEN $3 = 'visible' THEN 'new' ELSE 'gone' END)::text)
       FROM upd`,
    [id, from, to, MESSAGE_CHANNEL],
  );
  return rows.length === 1;
}

/** Held messages, oldest first: what the review queue has to look at. */
export async function heldMessages(q: Queryable, limit: number): Promise<ReviewableMessage[]> {
  const { rows } = await q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM conversation_messages m
      WHERE m.status = 'held' ORDER BY m.seq LIMIT $1`,
    [limit],
  );
  return rows.map(toReviewable);
}

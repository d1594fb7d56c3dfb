import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type Page,
  pageOf,
  requireUuid,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { AuditLog } from '../audit/index.ts';
import type { MediaService } from '../social/index.ts';
import {
  type Access,
  type Action,
  ATTRIBUTES,
  type Attribute,
  type Attributes,
  accessFor,
  ageOn,
  attributesUsed,
  type Rules,
  ruleProblem,
} from './entry-rules.ts';

type Verdict = { action: 'allow' | 'review' | 'reject'; categories: string[] };

export interface CircleDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  media: MediaService;
  /** Text moderation (wired to the moderation module): reject → 422, review → held. */
  moderate: (text: string, context: 'post' | 'comment', userId: string) => Promise<Verdict>;
  /** Held content joins the review queue in the content's own transaction. */
  holdForReview: (
    q: Queryable,
    target: { type: string; id: string },
    authorId: string,
  ) => Promise<void>;
  /** The credit module's score (350–950); absent or null: a creditScore condition is unmet. */
  creditScoreOf?: (userId: string) => Promise<number | null>;
}

export interface CircleView {
  id: string;
  name: string;
  description: string;
  tags: string[];
  rules: Rules;
  ownerId: string;
  memberCount: number;
  status: 'active' | 'dissolved';
  createdAt: string;
  member: boolean;
  myAccess?: Access;
}

interface CircleRow {
  id: string;
  name: string;
  description: string;
  tags: string[];
  rules: Rules;
  owner_id: string;
  member_count: number;
  status: 'active' | 'dissolved';
  dissolved_reason: string | null;
  created_at: Date;
  member: boolean;
  micros?: string;
}

export interface CirclePostView {
  id: string;
  circleId: string;
  author: { userId: string; nickname: string };
  text: string;
  media: unknown[];
  status: 'visible' | 'held';
  likeCount: number;
  commentCount: number;
  likedByMe: boolean;
  createdAt: string;
}

interface PostRow {
  id: string;
  circle_id: string;
  author_id: string;
  nickname: string;
  text: string;
  status: 'visible' | 'held' | 'removed';
  like_count: number;
  comment_count: number;
  liked: boolean;
  created_at: Date;
  micros: string;
}

export interface CircleCommentView {
  id: string;
  postId: string;
  author: { userId: string; nickname: string };
  text: string;
  status: 'visible' | 'held';
  createdAt: string;
}

const POLICY_KEY = 'circles.forbiddenAttributes';
const CIRCLE_COLUMNS = (
  viewer: string,
) => `c.id, c.name, c.description, c.tags, c.rules, c.owner_id,
  c.member_count, c.status, c.dissolved_reason, c.created_at,
  EXISTS (SELECT 1 FROM circle_members m WHERE m.circle_id = c.id AND m.user_id = ${viewer}) AS member`;
const POST_COLUMNS = (
  viewer: string,
) => `p.id, p.circle_id, p.author_id, u.nickname, p.text, p.status,
  p.like_count, p.comment_count, p.created_at, ${microsSql('p.created_at')} AS micros,
  EXISTS (SELECT 1 FROM circle_likes l WHERE l.post_id = p.id AND l.user_id = ${viewer}) AS liked`;

const gone = () => new AppError('gone', 'this circle was dissolved');
const notMet = (action: Action, access: Access) =>
  new AppError('rule_not_met', `you do not meet this circle's rules to ${action}`, {
    unmet: access.unmet[action] ?? [],
  });

/**
 * Circles: gated communities. The gate is `entry-rules.ts` (pure); this service loads the
 * caller's attributes, keeps rule history, enforces the platform's forbidden attributes, and
 * stores posts, comments and likes. Dissolved circles and taken-down posts answer 410 `gone`.
 */
export class CircleService {
  constructor(private readonly d: CircleDeps) {}

  // ---- platform policy -------------------------------------------------------------------

  async forbiddenAttributes(q: Queryable = this.d.db): Promise<Attribute[]> {
    const { rows } = await q.query<{ value: Attribute[] }>(
      'SELECT value FROM platform_policy WHERE key = $1',
      [POLICY_KEY],
    );
    return rows[0]?.value ?? ['gender', 'creditScore'];
  }

  async ruleAttributes() {
    const forbidden = await this.forbiddenAttributes();
    return { allowed: ATTRIBUTES.filter((a) => !forbidden.includes(a)), forbidden };
  }

  /** `PUT /admin/circles/policy`: audited; circles already using a newly forbidden attribute are flagged. */
  async setForbiddenAttributes(actorId: string, attributes: Attribute[]) {
    const unknown = attributes.filter((a) => !ATTRIBUTES.includes(a));
    if (unknown.length) {
      throw invalid(`unknown attributes: ${unknown.join(', ')}`, { field: 'forbiddenAttributes' });
    }
    const list = ATTRIBUTES.filter((a) => attributes.includes(a));
    await inTransaction(this.d.db, async (tx) => {
      const before = await this.forbiddenAttributes(tx);
      await tx.query(
        `INSERT INTO platform_policy (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by,
                                         updated_at = EXCLUDED.updated_at`,
        [POLICY_KEY, JSON.stringify(list), actorId, this.d.clock.now()],
      );
      await this.d.audit.record(tx, {
        actorId,
        action: 'circles.policy',
        target: { type: 'policy', id: POLICY_KEY },
        detail: { before, after: list },
      });
    });
    return this.ruleAttributes();
  }

  private async refuseForbidden(rules: Rules, q: Queryable = this.d.db) {
    const forbidden = await this.forbiddenAttributes(q);
    const used = attributesUsed(rules).filter((a) => forbidden.includes(a));
    if (used.length) {
      throw new AppError(
        'rule_forbidden',
        `the platform does not allow rules on ${used.join(', ')}`,
        { attributes: used },
      );
    }
  }

  private static validate(rules: Rules | undefined): Rules {
    const r = rules ?? {};
    const problem = ruleProblem(r);
    if (problem) throw invalid(`${problem.field} ${problem.message}`, { field: problem.field });
    return r;
  }

  // ---- attributes and access -------------------------------------------------------------

  /** The caller's own attributes, as rules see them; loaded for the verdict, never returned. */
  async attributesOf(userId: string, needCredit: boolean): Promise<Attributes> {
    const { rows } = await this.d.db.query<{
      verified: boolean;
      birth_date: string | null;
      gender: 'male' | 'female' | null;
      id_number_masked: string | null;
      created_at: Date;
      enrollment_year: number | null;
    }>(
      `SELECT u.verified_at IS NOT NULL AS verified, to_char(u.birth_date, 'YYYY-MM-DD') AS birth_date,
              u.gender, u.id_number_masked, u.created_at, s.enrollment_year
         FROM users u LEFT JOIN student_verifications s ON s.user_id = u.id WHERE u.id = $1`,
      [userId],
    );
    const u = rows[0];
    if (!u) throw notFound('user');
    const now = this.d.clock.now();
    const today = now.toISOString().slice(0, 10);
    const score = needCredit && this.d.creditScoreOf ? await this.d.creditScoreOf(userId) : null;
    return {
      verified: u.verified,
      age: u.verified && u.birth_date ? ageOn(u.birth_date, today) : undefined,
      gender: u.verified ? (u.gender ?? undefined) : undefined,
      student: u.enrollment_year !== null && isStudentYear(u.enrollment_year, now),
      city: u.verified && u.id_number_masked ? u.id_number_masked.slice(0, 4) : undefined,
      creditScore: score ?? undefined,
      memberDays: Math.floor((now.getTime() - u.created_at.getTime()) / 86_400_000),
    };
  }

  private async accessOf(userId: string, rules: Rules): Promise<Access> {
    const who = await this.attributesOf(userId, attributesUsed(rules).includes('creditScore'));
    return accessFor(rules, who);
  }

  // ---- circles ---------------------------------------------------------------------------

  private async row(q: Queryable, viewerId: string, id: string, lock = false): Promise<CircleRow> {
    requireUuid(id, 'circle');
    const { rows } = await q.query<CircleRow>(
      `SELECT ${CIRCLE_COLUMNS('$1')} FROM circles c WHERE c.id = $2${lock ? ' FOR UPDATE' : ''}`,
      [viewerId, id],
    );
    if (!rows[0]) throw notFound('circle');
    return rows[0];
  }

  private async activeRow(q: Queryable, viewerId: string, id: string, lock = false) {
    const row = await this.row(q, viewerId, id, lock);
    if (row.status === 'dissolved') throw gone();
    return row;
  }

  private static view(r: CircleRow, access?: Access): CircleView {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      tags: r.tags,
      rules: r.rules,
      ownerId: r.owner_id,
      memberCount: r.member_count,
      status: r.status,
      createdAt: r.created_at.toISOString(),
      member: r.member,
      ...(access ? { myAccess: access } : {}),
    };
  }

  async create(
    ownerId: string,
    verified: boolean,
    input: { name: string; description: string; tags?: string[]; rules?: Rules },
  ): Promise<CircleView> {
    if (!verified) {
      throw new AppError('verification_required', 'only verified users can create circles');
    }
    const rules = CircleService.validate(input.rules);
    await this.refuseForbidden(rules);
    const name = input.name.trim();
    if (!name) throw invalid('name must not be blank', { field: 'name' });
    const tags = [...new Set((input.tags ?? []).map((t) => t.trim()).filter(Boolean))];
    const verdict = await this.screen(
      `${name}\n${input.description}\n${tags.join(' ')}`,
      'post',
      ownerId,
    );
    const id = newId();
    await inTransaction(this.d.db, async (tx) => {
      const now = this.d.clock.now();
      await tx.query(
        `INSERT INTO circles (id, name, description, tags, rules, owner_id, member_count, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, 'active', $7, $7)`,
        [id, name, input.description.trim(), tags, JSON.stringify(rules), ownerId, now],
      );
      await tx.query(
        'INSERT INTO circle_members (circle_id, user_id, joined_at) VALUES ($1, $2, $3)',
        [id, ownerId, now],
      );
      await this.recordRules(tx, id, rules, ownerId);
      // A name the filter doubts stays up (no one else is harmed by a name) but an operator looks.
      if (verdict.action === 'review')
        await this.d.holdForReview(tx, { type: 'circle', id }, ownerId);
    });
    return this.get(ownerId, id);
  }

  private async recordRules(q: Queryable, circleId: string, rules: Rules, by: string) {
    await q.query(
      `INSERT INTO circle_rule_history (id, circle_id, rules, changed_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
      [newId(), circleId, JSON.stringify(rules), by, this.d.clock.now()],
    );
  }

  async get(viewerId: string, id: string): Promise<CircleView> {
    const row = await this.activeRow(this.d.db, viewerId, id);
    return CircleService.view(row, await this.accessOf(viewerId, row.rules));
  }

  /** `PATCH /circles/{id}` (owner): name, description, rules; every rule change is kept. */
  async update(
    viewerId: string,
    id: string,
    input: { name?: string; description?: string; tags?: string[]; rules?: Rules },
  ): Promise<CircleView> {
    const rules = input.rules === undefined ? undefined : CircleService.validate(input.rules);
    if (rules) await this.refuseForbidden(rules);
    const text = [input.name, input.description, ...(input.tags ?? [])].filter(Boolean).join('\n');
    if (text) await this.screen(text, 'post', viewerId);
    await inTransaction(this.d.db, async (tx) => {
      const row = await this.activeRow(tx, viewerId, id, true);
      if (row.owner_id !== viewerId) throw forbidden('only the owner can change a circle');
      if (input.name !== undefined && !input.name.trim()) {
        throw invalid('name must not be blank', { field: 'name' });
      }
      await tx.query(
        `UPDATE circles SET name = COALESCE($2, name), description = COALESCE($3, description),
                tags = COALESCE($4, tags), rules = COALESCE($5, rules), updated_at = $6 WHERE id = $1`,
        [
          id,
          input.name?.trim() ?? null,
          input.description?.trim() ?? null,
          input.tags ? [...new Set(input.tags.map((t) => t.trim()).filter(Boolean))] : null,
          rules ? JSON.stringify(rules) : null,
          this.d.clock.now(),
        ],
      );
      if (rules && JSON.stringify(rules) !== JSON.stringify(row.rules)) {
        await this.recordRules(tx, id, rules, viewerId);
      }
    });
    return this.get(viewerId, id);
  }

  async ruleHistory(viewerId: string, id: string, page: { limit: number; after?: TimeCursor }) {
    await this.activeRow(this.d.db, viewerId, id);
    const { rows } = await this.d.db.query<{
      id: string;
      rules: Rules;
      changed_by: string;
      created_at: Date;
      micros: string;
    }>(
      `SELECT id, rules, changed_by, created_at, ${microsSql('created_at')} AS micros
         FROM circle_rule_history WHERE circle_id = $1
          AND ($3::bigint IS NULL OR (created_at, id) < (${fromMicrosSql('$3')}, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [id, page.limit + 1, page.after?.micros ?? null, page.after?.id ?? null],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => ({ rules: r.rules, changedBy: r.changed_by, createdAt: r.created_at.toISOString() }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }

  /** Discover: active circles, newest first, optionally matching `q` in name, description or tags. */
  async browse(
    viewerId: string,
    page: { limit: number; after?: TimeCursor; q?: string; mine?: boolean },
  ): Promise<Page<CircleView>> {
    const { rows } = await this.d.db.query<CircleRow>(
      `SELECT ${CIRCLE_COLUMNS('$1')}, ${microsSql('c.created_at')} AS micros FROM circles c
        WHERE c.status = 'active'
          AND ($3::bigint IS NULL OR (c.created_at, c.id) < (${fromMicrosSql('$3')}, $4::uuid))
          AND ($5::text IS NULL OR c.name ILIKE $5 OR c.description ILIKE $5 OR $6 = ANY(c.tags))
          AND (NOT $7 OR EXISTS (SELECT 1 FROM circle_members m WHERE m.circle_id = c.id AND m.user_id = $1))
        ORDER BY c.created_at DESC, c.id DESC LIMIT $2`,
      [
        viewerId,
        page.limit + 1,
        page.after?.micros ?? null,
        page.after?.id ?? null,
        page.q ? `%${page.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
        page.q ?? null,
        page.mine ?? false,
      ],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => CircleService.view(r),
      (r) => encodeTimeCursor(r.micros!, r.id),
    );
  }

  async join(
    userId: string,
    id: string,
  ): Promise<{ created: boolean; circleId: string; joinedAt: string }> {
    const row = await this.activeRow(this.d.db, userId, id);
    const access = await this.accessOf(userId, row.rules);
    if (!access.view) throw notMet('view', access);
    return inTransaction(this.d.db, async (tx) => {
      await this.activeRow(tx, userId, id, true);
      const now = this.d.clock.now();
      const inserted = await tx.query<{ joined_at: Date }>(
        `INSERT INTO circle_members (circle_id, user_id, joined_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING joined_at`,
        [id, userId, now],
      );
      if (inserted.rowCount) {
        await tx.query('UPDATE circles SET member_count = member_count + 1 WHERE id = $1', [id]);
        return { created: true, circleId: id, joinedAt: now.toISOString() };
      }
      const { rows } = await tx.query<{ joined_at: Date }>(
        'SELECT joined_at FROM circle_members WHERE circle_id = $1 AND user_id = $2',
        [id, userId],
      );
      return { created: false, circleId: id, joinedAt: rows[0]!.joined_at.toISOString() };
    });
  }

  async leave(userId: string, id: string): Promise<void> {
    await inTransaction(this.d.db, async (tx) => {
      const row = await this.activeRow(tx, userId, id, true);
      if (row.owner_id === userId) throw conflict('the owner cannot leave their own circle');
      const { rowCount } = await tx.query(
        'DELETE FROM circle_members WHERE circle_id = $1 AND user_id = $2',
        [id, userId],
      );
      if (!rowCount) throw notFound('membership');
      await tx.query('UPDATE circles SET member_count = member_count - 1 WHERE id = $1', [id]);
    });
  }

  /** An operator dissolves a circle: its posts and membership are no longer served (410). */
  async dissolve(actorId: string, id: string, reason: string, q?: Queryable) {
    const run = async (tx: Queryable) => {
      const row = await this.row(tx, actorId, id, true);
      if (row.status === 'dissolved') throw gone();
      await tx.query(
        `UPDATE circles SET status = 'dissolved', dissolved_at = $2, dissolved_reason = $3, updated_at = $2
          WHERE id = $1`,
        [id, this.d.clock.now(), reason],
      );
      await this.d.audit.record(tx, {
        actorId,
        action: 'circle.dissolve',
        target: { type: 'circle', id },
        detail: { reason, name: row.name, memberCount: row.member_count },
      });
    };
    if (q) await run(q);
    else await inTransaction(this.d.db, run);
    return { status: 'dissolved' as const };
  }

  /** The admin console's list: every circle with its rules, members and policy flags. */
  async adminList(page: { limit: number; after?: TimeCursor; status?: 'active' | 'dissolved' }) {
    const forbidden = await this.forbiddenAttributes();
    const { rows } = await this.d.db.query<CircleRow & { dissolved_at: Date | null }>(
      `SELECT ${CIRCLE_COLUMNS('NULL::uuid')}, c.dissolved_at, ${microsSql('c.created_at')} AS micros
         FROM circles c
        WHERE ($3::bigint IS NULL OR (c.created_at, c.id) < (${fromMicrosSql('$3')}, $4::uuid))
          AND ($2::text IS NULL OR c.status = $2)
        ORDER BY c.created_at DESC, c.id DESC LIMIT $1`,
      [page.limit + 1, page.status ?? null, page.after?.micros ?? null, page.after?.id ?? null],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => {
        const { member: _m, ...view } = CircleService.view(r);
        return {
          ...view,
          ...(r.dissolved_reason ? { dissolvedReason: r.dissolved_reason } : {}),
          // Uses an attribute the platform now forbids: flagged for an operator to look at.
          forbiddenInUse: attributesUsed(r.rules).filter((a) => forbidden.includes(a)),
        };
      },
      (r) => encodeTimeCursor(r.micros!, r.id),
    );
  }

  // ---- posts, comments, likes ------------------------------------------------------------

  /** The circle for an action by a member: 410 dissolved, 403 not a member, 403 rule_not_met. */
  private async gate(q: Queryable, userId: string, circleId: string, action: Action) {
    const row = await this.activeRow(q, userId, circleId);
    if (!row.member) throw forbidden('join this circle first');
    const access = await this.accessOf(userId, row.rules);
    if (!access[action]) throw notMet(action, access);
    return row;
  }

  private async screen(text: string, context: 'post' | 'comment', userId: string) {
    if (text.trim() === '') return { action: 'allow' as const, categories: [] };
    const verdict = await this.d.moderate(text, context, userId);
    if (verdict.action === 'reject') {
      throw new AppError('content_rejected', `this ${context} was refused by moderation`, {
        categories: verdict.categories,
      });
    }
    return verdict;
  }

  async createPost(
    userId: string,
    circleId: string,
    input: { text: string; mediaIds?: string[] },
  ): Promise<CirclePostView> {
    const text = input.text.trim();
    const mediaIds = input.mediaIds ?? [];
    if (text === '' && mediaIds.length === 0) {
      throw invalid('a post needs text or at least one photo', { field: 'text' });
    }
    await this.gate(this.d.db, userId, circleId, 'post');
    const verdict = await this.screen(text, 'post', userId);
    const id = newId();
    await inTransaction(this.d.db, async (tx) => {
      await this.activeRow(tx, userId, circleId);
      const held = verdict.action === 'review';
      await tx.query(
        `INSERT INTO circle_posts (id, circle_id, author_id, text, status, categories, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          circleId,
          userId,
          text,
          held ? 'held' : 'visible',
          verdict.categories,
          this.d.clock.now(),
        ],
      );
      await this.d.media.attachToCirclePost(tx, userId, id, mediaIds);
      if (held) await this.d.holdForReview(tx, { type: 'post', id }, userId);
    });
    return this.post(userId, circleId, id);
  }

  private async postRow(q: Queryable, viewerId: string, circleId: string, postId: string) {
    requireUuid(postId, 'post');
    const { rows } = await q.query<PostRow>(
      `SELECT ${POST_COLUMNS('$1')} FROM circle_posts p JOIN users u ON u.id = p.author_id
        WHERE p.id = $2 AND p.circle_id = $3`,
      [viewerId, postId, circleId],
    );
    const p = rows[0];
    if (!p || (p.status === 'held' && p.author_id !== viewerId)) throw notFound('post');
    if (p.status === 'removed') throw new AppError('gone', 'this post was taken down');
    return p;
  }

  private async postViews(rows: PostRow[]): Promise<CirclePostView[]> {
    const media = await this.d.media.forCirclePosts(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      circleId: r.circle_id,
      author: { userId: r.author_id, nickname: r.nickname },
      text: r.text,
      media: media.get(r.id) ?? [],
      status: r.status === 'held' ? 'held' : 'visible',
      likeCount: r.like_count,
      commentCount: r.comment_count,
      likedByMe: r.liked,
      createdAt: r.created_at.toISOString(),
    }));
  }

  async post(viewerId: string, circleId: string, postId: string): Promise<CirclePostView> {
    await this.gate(this.d.db, viewerId, circleId, 'view');
    const row = await this.postRow(this.d.db, viewerId, circleId, postId);
    return (await this.postViews([row]))[0]!;
  }

  async posts(viewerId: string, circleId: string, page: { limit: number; after?: TimeCursor }) {
    await this.gate(this.d.db, viewerId, circleId, 'view');
    const { rows } = await this.d.db.query<PostRow>(
      `SELECT ${POST_COLUMNS('$1')} FROM circle_posts p JOIN users u ON u.id = p.author_id
        WHERE p.circle_id = $2 AND (p.status = 'visible' OR (p.status = 'held' AND p.author_id = $1))
          AND ($4::bigint IS NULL OR (p.created_at, p.id) < (${fromMicrosSql('$4')}, $5::uuid))
        ORDER BY p.created_at DESC, p.id DESC LIMIT $3`,
      [viewerId, circleId, page.limit + 1, page.after?.micros ?? null, page.after?.id ?? null],
    );
    const more = rows.length > page.limit;
    const items = await this.postViews(rows.slice(0, page.limit));
    const last = rows[page.limit - 1];
    return { items, nextCursor: more && last ? encodeTimeCursor(last.micros, last.id) : null };
  }

  async comment(
    userId: string,
    circleId: string,
    postId: string,
    raw: string,
  ): Promise<CircleCommentView> {
    const text = raw.trim();
    if (!text) throw invalid('text must not be blank', { field: 'text' });
    await this.gate(this.d.db, userId, circleId, 'comment');
    await this.postRow(this.d.db, userId, circleId, postId);
    const verdict = await this.screen(text, 'comment', userId);
    const id = newId();
    const held = verdict.action === 'review';
    await inTransaction(this.d.db, async (tx) => {
      const now = this.d.clock.now();
      await tx.query(
        `INSERT INTO circle_comments (id, post_id, author_id, text, status, categories, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, postId, userId, text, held ? 'held' : 'visible', verdict.categories, now],
      );
      if (held) await this.d.holdForReview(tx, { type: 'comment', id }, userId);
      else
        await tx.query('UPDATE circle_posts SET comment_count = comment_count + 1 WHERE id = $1', [
          postId,
        ]);
    });
    const { rows } = await this.d.db.query<{ nickname: string; created_at: Date }>(
      'SELECT u.nickname, c.created_at FROM circle_comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1',
      [id],
    );
    return {
      id,
      postId,
      author: { userId, nickname: rows[0]!.nickname },
      text,
      status: held ? 'held' : 'visible',
      createdAt: rows[0]!.created_at.toISOString(),
    };
  }

  async comments(
    viewerId: string,
    circleId: string,
    postId: string,
    page: { limit: number; after?: TimeCursor },
  ) {
    await this.gate(this.d.db, viewerId, circleId, 'view');
    await this.postRow(this.d.db, viewerId, circleId, postId);
    const { rows } = await this.d.db.query<{
      id: string;
      post_id: string;
      author_id: string;
      nickname: string;
      text: string;
      status: 'visible' | 'held';
      created_at: Date;
      micros: string;
    }>(
      `SELECT c.id, c.post_id, c.author_id, u.nickname, c.text, c.status, c.created_at,
              ${microsSql('c.created_at')} AS micros
         FROM circle_comments c JOIN users u ON u.id = c.author_id
        WHERE c.post_id = $2 AND (c.status = 'visible' OR (c.status = 'held' AND c.author_id = $1))
          AND ($4::bigint IS NULL OR (c.created_at, c.id) < (${fromMicrosSql('$4')}, $5::uuid))
        ORDER BY c.created_at DESC, c.id DESC LIMIT $3`,
      [viewerId, postId, page.limit + 1, page.after?.micros ?? null, page.after?.id ?? null],
    );
    return pageOf(
      rows,
      page.limit,
      (r): CircleCommentView => ({
        id: r.id,
        postId: r.post_id,
        author: { userId: r.author_id, nickname: r.nickname },
        text: r.text,
        status: r.status,
        createdAt: r.created_at.toISOString(),
      }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }

  /** Likes are idempotent; liking needs the `comment` rules (a like is a reaction, like a comment). */
  async setLike(userId: string, circleId: string, postId: string, liked: boolean) {
    await this.gate(this.d.db, userId, circleId, liked ? 'comment' : 'view');
    return inTransaction(this.d.db, async (tx) => {
      const post = await this.postRow(tx, userId, circleId, postId);
      const changed = liked
        ? await tx.query(
            'INSERT INTO circle_likes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [postId, userId, this.d.clock.now()],
          )
        : await tx.query('DELETE FROM circle_likes WHERE post_id = $1 AND user_id = $2', [
            postId,
            userId,
          ]);
      if (!changed.rowCount) return { liked, likeCount: post.like_count };
      const { rows } = await tx.query<{ like_count: number }>(
        'UPDATE circle_posts SET like_count = like_count + $2 WHERE id = $1 RETURNING like_count',
        [postId, liked ? 1 : -1],
      );
      return { liked, likeCount: rows[0]!.like_count };
    });
  }

  /** Whether `viewerId` may see a circle post's photos (media.ts asks). */
  async mayViewPostMedia(viewerId: string, postId: string): Promise<boolean> {
    const { rows } = await this.d.db.query<{
      circle_id: string;
      status: string;
      author_id: string;
    }>('SELECT circle_id, status, author_id FROM circle_posts WHERE id = $1', [postId]);
    const p = rows[0];
    if (!p || p.status === 'removed' || (p.status === 'held' && p.author_id !== viewerId))
      return false;
    try {
      await this.gate(this.d.db, viewerId, p.circle_id, 'view');
      return true;
    } catch {
      return false;
    }
  }

  // ---- student verification (sandbox) ----------------------------------------------------

  /**
   * `POST /me/student-verification`: the sandbox verifier, like the sandbox bank. It confirms
   * an enrolment of the last six years at a named school, for a real-name verified user.
   */
  async verifyStudent(
    userId: string,
    verified: boolean,
    input: { school: string; enrollmentYear: number },
  ) {
    if (!verified)
      throw new AppError('verification_required', 'complete real-name verification first');
    const school = input.school.trim();
    if (!school) throw invalid('school must not be blank', { field: 'school' });
    const now = this.d.clock.now();
    if (!isStudentYear(input.enrollmentYear, now)) {
      throw invalid('the verifier found no current enrolment for that year', {
        field: 'enrollmentYear',
      });
    }
    await this.d.db.query(
      `INSERT INTO student_verifications (user_id, school, enrollment_year, verified_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET school = EXCLUDED.school,
         enrollment_year = EXCLUDED.enrollment_year, verified_at = EXCLUDED.verified_at`,
      [userId, school, input.enrollmentYear, now],
    );
    return {
      student: true,
      school,
      enrollmentYear: input.enrollmentYear,
      verifiedAt: now.toISOString(),
    };
  }
}

/** Enrolled this year or in the five before it (undergraduate and master's, roughly). */
function isStudentYear(year: number, now: Date): boolean {
  const current = now.getUTCFullYear();
  return year <= current && year > current - 6;
}

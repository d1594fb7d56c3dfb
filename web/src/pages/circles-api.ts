/** Circles (圈子), reports, and the admin console's endpoints, on top of api.ts. */
import { type Page, request } from '../api.ts';
import type { Media } from './social-api.ts';

export type Attribute =
  | 'verified'
  | 'age'
  | 'gender'
  | 'student'
  | 'city'
  | 'creditScore'
  | 'memberDays';
export type Action = 'view' | 'post' | 'comment';
export type Scalar = boolean | number | string;

export interface Condition {
  attribute: Attribute;
  op: 'eq' | 'gte' | 'lte' | 'in';
  value: Scalar | Scalar[];
}

export type Rules = Partial<Record<Action, Condition[]>>;

export interface Unmet extends Condition {
  reason: 'needs_verification' | 'needs_student' | 'no_credit_score' | 'not_met';
  platform?: true;
}

export interface Access {
  view: boolean;
  post: boolean;
  comment: boolean;
  unmet: Partial<Record<Action, Unmet[]>>;
}

export interface Circle {
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

export interface CirclePost {
  id: string;
  circleId: string;
  author: { userId: string; nickname: string };
  text: string;
  media: Media[];
  status: 'visible' | 'held';
  likeCount: number;
  commentCount: number;
  likedByMe: boolean;
  createdAt: string;
}

export interface CircleComment {
  id: string;
  postId: string;
  author: { userId: string; nickname: string };
  text: string;
  status: 'visible' | 'held';
  createdAt: string;
}

export type ReportReason = 'spam' | 'fraud' | 'sexual' | 'harassment' | 'other';
export const REPORT_REASONS: ReportReason[] = ['spam', 'fraud', 'sexual', 'harassment', 'other'];
export type ReportTargetType = 'post' | 'comment' | 'circle' | 'user' | 'red_packet';

const c = (id: string) => `/circles/${encodeURIComponent(id)}`;

export const circles = {
  ruleAttributes: () =>
    request<{ allowed: Attribute[]; forbidden: Attribute[] }>('GET', '/circles/rule-attributes'),
  list: (query: { cursor?: string; q?: string; mine?: boolean }) =>
    request<Page<Circle>>('GET', '/circles', {
      query: {
        limit: 20,
        cursor: query.cursor,
        q: query.q,
        mine: query.mine ? 'true' : undefined,
      },
    }),
  get: (id: string, signal?: AbortSignal) =>
    request<Circle>('GET', c(id), signal ? { signal } : {}),
  create: (body: { name: string; description: string; tags?: string[]; rules?: Rules }) =>
    request<Circle>('POST', '/circles', { body }),
  update: (id: string, body: { name?: string; description?: string; rules?: Rules }) =>
    request<Circle>('PATCH', c(id), { body }),
  history: (id: string) =>
    request<Page<{ rules: Rules; changedBy: string; createdAt: string }>>(
      'GET',
      `${c(id)}/rules/history`,
      { query: { limit: 50 } },
    ),
  join: (id: string) => request<{ circleId: string; joinedAt: string }>('POST', `${c(id)}/members`),
  leave: (id: string) => request<void>('DELETE', `${c(id)}/members/me`),
  posts: (id: string, cursor?: string) =>
    request<Page<CirclePost>>('GET', `${c(id)}/posts`, { query: { cursor, limit: 20 } }),
  post: (id: string, postId: string) =>
    request<CirclePost>('GET', `${c(id)}/posts/${encodeURIComponent(postId)}`),
  createPost: (id: string, body: { text: string; mediaIds?: string[] }) =>
    request<CirclePost>('POST', `${c(id)}/posts`, { body }),
  comments: (id: string, postId: string, cursor?: string) =>
    request<Page<CircleComment>>('GET', `${c(id)}/posts/${encodeURIComponent(postId)}/comments`, {
      query: { cursor, limit: 50 },
    }),
  comment: (id: string, postId: string, text: string) =>
    request<CircleComment>('POST', `${c(id)}/posts/${encodeURIComponent(postId)}/comments`, {
      body: { text },
    }),
  like: (id: string, postId: string, liked: boolean) =>
    request<{ liked: boolean; likeCount: number }>(
      liked ? 'PUT' : 'DELETE',
      `${c(id)}/posts/${encodeURIComponent(postId)}/like`,
    ),
  verifyStudent: (body: { school: string; enrollmentYear: number }) =>
    request<{ student: true; school: string; enrollmentYear: number }>(
      'POST',
      '/me/student-verification',
      { body },
    ),
};

export const reports = {
  send: (body: {
    target: { type: ReportTargetType; id: string };
    reason: ReportReason;
    detail?: string;
  }) => request<{ id: string; status: string }>('POST', '/reports', { body }),
};

export interface ReviewItem {
  id: string;
  target: { type: string; id: string };
  reasons: Record<string, number>;
  reportCount: number;
  heldByFilter: boolean;
  content: {
    kind?: string;
    where?: string;
    text?: string;
    name?: string;
    nickname?: string;
    status?: string;
    mediaCount?: number;
    circle?: { id: string; name: string };
    author?: { userId: string; nickname: string };
    inReplyTo?: { postId: string; text: string };
    createdAt?: string;
  } | null;
  authorId: string | null;
  status: 'open' | 'closed';
  decision?: { action: string; note: string | null; decidedAt: string };
  createdAt: string;
}

export interface Ban {
  id: string;
  userId: string;
  nickname: string;
  permanent: boolean;
  until?: string;
  reason: string;
  createdAt: string;
  liftedAt?: string;
  active: boolean;
  covers: { identity: boolean; devices: number };
}

export interface AdminCircle extends Omit<Circle, 'member' | 'myAccess'> {
  forbiddenInUse: Attribute[];
  dissolvedReason?: string;
}

export interface AuditEntry {
  id: string;
  actorId: string;
  action: string;
  target: { type: string; id: string };
  detail: Record<string, unknown>;
  createdAt: string;
}

export interface LedgerReport {
  ok: boolean;
  currencies: { currency: string; totalDebits: number; totalCredits: number }[];
  accountsChecked: number;
  problems: unknown[];
}

export const admin = {
  reviews: (status: 'open' | 'closed', cursor?: string) =>
    request<Page<ReviewItem>>('GET', '/admin/reviews', { query: { status, cursor, limit: 20 } }),
  decide: (id: string, body: { action: string; note: string; banDays?: number }) =>
    request<ReviewItem>('POST', `/admin/reviews/${encodeURIComponent(id)}/decision`, { body }),
  bans: (status: 'active' | 'all', cursor?: string) =>
    request<Page<Ban>>('GET', '/admin/bans', { query: { status, cursor, limit: 20 } }),
  ban: (userId: string, body: { days?: number; reason: string }) =>
    request<{ id: string; permanent: boolean; until?: string }>(
      'POST',
      `/admin/users/${encodeURIComponent(userId)}/bans`,
      { body },
    ),
  lift: (id: string) => request<void>('DELETE', `/admin/bans/${encodeURIComponent(id)}`),
  circles: (cursor?: string) =>
    request<Page<AdminCircle>>('GET', '/admin/circles', { query: { cursor, limit: 20 } }),
  dissolve: (id: string, reason: string) =>
    request<{ status: string }>('POST', `/admin/circles/${encodeURIComponent(id)}/dissolve`, {
      body: { reason },
    }),
  setPolicy: (forbiddenAttributes: Attribute[]) =>
    request<{ allowed: Attribute[]; forbidden: Attribute[] }>('PUT', '/admin/circles/policy', {
      body: { forbiddenAttributes },
    }),
  audit: (cursor?: string) =>
    request<Page<AuditEntry>>('GET', '/admin/audit', { query: { cursor, limit: 30 } }),
  ledger: () => request<LedgerReport>('GET', '/admin/ledger/verify'),
};

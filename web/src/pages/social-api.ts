/**
 * The endpoints of the friends, feed, groups and red-envelope screens, on top of the one HTTP
 * client in `../api.ts` (same cookie session, CSRF header, problem+json → ApiError). Media
 * uploads use XMLHttpRequest instead of fetch: only it reports upload progress.
 */
import {
  ApiError,
  currentDeviceId,
  type MoneySubmission,
  type Page,
  type Problem,
  request,
  type Visibility,
} from '../api.ts';

export interface UserRef {
  userId: string;
  nickname: string;
}

export interface Friend extends UserRef {
  since: string;
}

export interface IncomingRequest {
  id: string;
  from: UserRef;
  message: string | null;
  createdAt: string;
}

export interface SentRequest {
  id: string;
  to: UserRef;
  message: string | null;
  createdAt: string;
}

export type Relation = 'self' | 'friend' | 'request_sent' | 'request_received' | 'none';

export interface Profile {
  id: string;
  nickname: string;
  relation: Relation;
}

export interface Privacy {
  findableByPhone: boolean;
  defaultPaymentVisibility: Visibility;
}

export interface FriendQr {
  token: string;
  expiresAt: string;
}

export type FriendTarget = { userId: string } | { phone: string } | { qrToken: string };

export interface Media {
  id: string;
  kind: 'image' | 'video';
  contentType: string;
  width?: number;
  height?: number;
  bytes: number;
  url: string;
  thumbnailUrl: string | null;
  thumbnailPlaceholder: boolean;
}

export interface Post {
  id: string;
  author: UserRef;
  text: string;
  media: Media[];
  visibility: Visibility;
  moderationStatus: 'visible' | 'held';
  likeCount?: number;
  commentCount?: number;
  likedByMe?: boolean;
  createdAt: string;
}

/** A payment in the feed: who paid whom and the note; the API never gives the amount. */
export interface PaymentItem {
  kind: 'payment';
  id: string;
  from: UserRef;
  to: UserRef;
  note: string | null;
  visibility: Visibility;
  createdAt: string;
}

export type FeedItem = PaymentItem | ({ kind: 'post' } & Post);

export interface Comment {
  id: string;
  postId: string;
  author: UserRef;
  text: string;
  moderationStatus: 'visible' | 'held';
  createdAt: string;
}

export type RedPacketKind = 'lucky' | 'fixed';
export type RedPacketStatus = 'open' | 'emptied' | 'expired';
export type Audience = { userId: string } | { groupId: string };

export interface SentRedPacket {
  id: string;
  kind: RedPacketKind;
  count: number;
  totalAmount: number;
  currency: string;
  greeting: string | null;
  status: RedPacketStatus;
  createdAt: string;
  expiresAt: string;
}

export interface RedPacketListItem extends SentRedPacket {
  to: Audience;
  sender: UserRef;
  claimedCount: number;
  myClaim: { amount: number } | null;
}

export interface RedPacketClaim {
  userId: string;
  nickname: string;
  amount: number;
  claimedAt: string;
  luckiest?: true;
}

export interface RedPacket extends SentRedPacket {
  to: Audience;
  sender: UserRef;
  claimedCount: number;
  claimedAmount: number;
  refundedAmount?: number;
  claims: RedPacketClaim[];
}

export interface SendRedPacketInput {
  kind: RedPacketKind;
  count: number;
  totalAmount?: number;
  amountEach?: number;
  greeting?: string;
  to: Audience;
  pin?: string;
}

export type GroupRole = 'owner' | 'treasurer' | 'member';

export interface GroupSummary {
  id: string;
  name: string;
  role: GroupRole;
  memberCount: number;
  createdAt: string;
}

export interface Group {
  id: string;
  name: string;
  ownerId: string;
  members: { userId: string; nickname: string; role: GroupRole; joinedAt: string }[];
  createdAt: string;
}

const enc = encodeURIComponent;
const paged = (cursor?: string, limit = 20) => ({ query: { cursor, limit } });

export const social = {
  friendQr: () => request<FriendQr>('GET', '/friends/qr'),
  sendFriendRequest: (target: FriendTarget, message?: string) =>
    request<{ id: string; status: 'pending' | 'accepted' | 'declined' }>(
      'POST',
      '/friends/requests',
      { body: { ...target, ...(message ? { message } : {}) } },
    ),
  incomingRequests: (cursor?: string, limit?: number) =>
    request<Page<IncomingRequest>>('GET', '/friends/requests', paged(cursor, limit)),
  sentRequests: (cursor?: string) =>
    request<Page<SentRequest>>('GET', '/friends/requests/sent', paged(cursor)),
  answerRequest: (id: string, answer: 'accept' | 'decline') =>
    request<{ id: string; status: string }>('POST', `/friends/requests/${enc(id)}/${answer}`),
  friends: (cursor?: string, limit?: number) =>
    request<Page<Friend>>('GET', '/friends', paged(cursor, limit)),
  profile: (userId: string) => request<Profile>('GET', `/users/${enc(userId)}`),
  unfriend: (userId: string) => request<void>('DELETE', `/friends/${enc(userId)}`),
  block: (userId: string) => request<Friend>('POST', '/blocks', { body: { userId } }),
  unblock: (userId: string) => request<void>('DELETE', `/blocks/${enc(userId)}`),
  blocks: (cursor?: string) => request<Page<Friend>>('GET', '/blocks', paged(cursor)),
  privacy: () => request<Privacy>('GET', '/me/privacy'),
  updatePrivacy: (patch: Partial<Privacy>) =>
    request<Privacy>('PATCH', '/me/privacy', { body: patch }),

  feed: (cursor?: string) => request<Page<FeedItem>>('GET', '/feed', paged(cursor)),
  createPost: (body: { text: string; mediaIds?: string[]; visibility: Visibility }) =>
    request<Post>('POST', '/posts', { body }),
  post: (id: string) => request<Post>('GET', `/posts/${enc(id)}`),
  deletePost: (id: string) => request<void>('DELETE', `/posts/${enc(id)}`),
  setLike: (id: string, liked: boolean) =>
    request<{ liked: boolean; likeCount: number }>(
      liked ? 'PUT' : 'DELETE',
      `/posts/${enc(id)}/like`,
    ),
  comments: (postId: string, cursor?: string) =>
    request<Page<Comment>>('GET', `/posts/${enc(postId)}/comments`, paged(cursor)),
  addComment: (postId: string, text: string) =>
    request<Comment>('POST', `/posts/${enc(postId)}/comments`, { body: { text } }),
  deleteComment: (id: string) => request<void>('DELETE', `/comments/${enc(id)}`),

  groups: (cursor?: string, limit?: number) =>
    request<Page<GroupSummary>>('GET', '/groups', paged(cursor, limit)),
  group: (id: string) => request<Group>('GET', `/groups/${enc(id)}`),
  createGroup: (body: { name: string; memberIds: string[] }) =>
    request<Group>('POST', '/groups', { body }),

  redPackets: (box: 'received' | 'sent', cursor?: string) =>
    request<Page<RedPacketListItem>>('GET', '/red-packets', {
      query: { box, cursor, limit: 20 },
    }),
  redPacket: (id: string) => request<RedPacket>('GET', `/red-packets/${enc(id)}`),
};

/** Red envelopes move money: each form keeps one MoneySubmission so a retry reuses its key. */
export const redPacketMoney = {
  send: (s: MoneySubmission, body: SendRedPacketInput) =>
    s.post<SentRedPacket>('/red-packets', body),
  claim: (s: MoneySubmission, id: string) =>
    s.post<{ amount: number; currency: string }>(`/red-packets/${enc(id)}/claims`, {}),
};

/** What the upload endpoint takes, and how big (the server's defaults; it checks again). */
export const UPLOAD_TYPES = {
  image: ['image/jpeg', 'image/png', 'image/webp', 'image/heic'],
  video: ['video/mp4', 'video/quicktime', 'video/webm'],
} as const;
export const MAX_UPLOAD_BYTES = { image: 10 * 1024 * 1024, video: 50 * 1024 * 1024 } as const;
export const MAX_MEDIA_PER_POST = 9;

function csrfToken(): string | undefined {
  const found = document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('hebao_csrf='));
  return found ? decodeURIComponent(found.slice('hebao_csrf='.length)) : undefined;
}

/** Uploads one photo or video as the raw request body; `onProgress` gets 0…1. */
export function uploadMedia(
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<Media> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/media');
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', file.type);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-device-id', currentDeviceId());
    const csrf = csrfToken();
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let payload: unknown;
      try {
        payload = JSON.parse(xhr.responseText);
      } catch {
        payload = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(payload as Media);
      } else {
        const problem =
          payload && typeof payload === 'object' ? (payload as Problem) : { status: xhr.status };
        reject(new ApiError(xhr.status, problem));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'network_error' }));
    xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

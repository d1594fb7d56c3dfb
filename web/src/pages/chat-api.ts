/** The conversations endpoints (API.md "Conversations"), on top of the one HTTP client. */
import { type Page, request } from '../api.ts';

export type MessageKind = 'text' | 'transfer' | 'red_packet' | 'collection' | 'system';

export interface Message {
  id: string;
  conversationId: string;
  senderId: string;
  kind: MessageKind;
  text?: string;
  refId?: string;
  /** A money card's facts as they were when the money moved. */
  data?: Record<string, unknown>;
  createdAt: string;
  /** Held for review: only its sender sees it. */
  held?: true;
}

export interface Conversation {
  id: string;
  kind: 'direct' | 'group';
  peer?: { userId: string; nickname: string };
  groupId?: string;
  groupName?: string;
  lastMessage: Message | null;
  unread: number;
}

const enc = encodeURIComponent;

export const chat = {
  conversations: (cursor?: string, limit = 50) =>
    request<Page<Conversation>>('GET', '/conversations', { query: { cursor, limit } }),
  /** The direct conversation with a friend (made on first use). */
  openWith: (userId: string) =>
    request<Conversation>('POST', '/conversations', { body: { userId } }),
  messages: (id: string, cursor?: string, limit = 30) =>
    request<Page<Message>>('GET', `/conversations/${enc(id)}/messages`, {
      query: { cursor, limit },
    }),
  send: (id: string, text: string) =>
    request<Message>('POST', `/conversations/${enc(id)}/messages`, { body: { text } }),
  markRead: (id: string) => request<void>('POST', `/conversations/${enc(id)}/read`),
};

/** Money forms opened from a thread come back to it: only a thread path is accepted. */
export function threadReturn(params: URLSearchParams): string | null {
  const back = params.get('back') ?? '';
  return /^\/chats\/[0-9a-f-]{36}$/.test(back) ? back : null;
}

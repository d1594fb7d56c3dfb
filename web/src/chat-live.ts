/**
 * Messages pushed over the notification stream (`event: message`, `message_removed`,
 * `conversations_resync`), passed on to whichever screen shows conversations.
 */
import { useEffect, useState } from 'react';
import { chat, type Message } from './pages/chat-api.ts';

export type ChatEvent =
  | { type: 'message'; message: Message }
  | { type: 'removed'; conversationId: string; id: string }
  /** The stream reconnected: anything may have been missed, so reload. */
  | { type: 'resync' };

const target = new EventTarget();

export function chatEvent(event: ChatEvent): void {
  target.dispatchEvent(new CustomEvent('chat', { detail: event }));
}

export function onChatEvent(listener: (event: ChatEvent) => void): () => void {
  const handler = (e: Event) => listener((e as CustomEvent<ChatEvent>).detail);
  target.addEventListener('chat', handler);
  return () => target.removeEventListener('chat', handler);
}

/** Unread messages over all conversations (the tab's badge), kept current by live events. */
export function useChatUnread(): number {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const count = () => {
      chat.conversations(undefined, 100).then(
        (page) => live && setUnread(page.items.reduce((n, c) => n + c.unread, 0)),
        () => {},
      );
    };
    count();
    // A burst of messages (a busy group) is counted once.
    const off = onChatEvent(() => {
      clearTimeout(timer);
      timer = setTimeout(count, 300);
    });
    const onRead = () => count();
    window.addEventListener('hebao:chat-read', onRead);
    return () => {
      live = false;
      clearTimeout(timer);
      off();
      window.removeEventListener('hebao:chat-read', onRead);
    };
  }, []);
  return unread;
}

/** A thread was read: badges count again. */
export function chatRead(): void {
  window.dispatchEvent(new Event('hebao:chat-read'));
}

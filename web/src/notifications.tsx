import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useTranslation } from 'react-i18next';
import { amountOf, api, type Notification } from './api.ts';
import { useAuth } from './auth.tsx';
import { chatEvent } from './chat-live.ts';
import { walletChanged } from './events.ts';
import { formatMoney } from './money.ts';
import type { Message } from './pages/chat-api.ts';
import { social } from './pages/social-api.ts';
import { useToast } from './toast.tsx';

interface NotificationState {
  unread: number;
  setUnread: (n: number) => void;
  /** Notifications that arrived over the live stream since the page loaded, newest first. */
  live: Notification[];
  /** Friend requests waiting for my answer (the Friends tab's badge). */
  friendRequests: number;
  /** Counts the waiting friend requests again (after answering one). */
  refreshFriendRequests: () => void;
}

const NotificationContext = createContext<NotificationState>({
  unread: 0,
  setUnread: () => {},
  live: [],
  friendRequests: 0,
  refreshFriendRequests: () => {},
});

/** Requests counted for the badge; more show as "99+". */
const REQUESTS_COUNTED = 100;

/** Notifications that mean this user's balance moved (or is about to be shown moved). */
const MONEY_KINDS = [
  'transfer.',
  'redpacket.',
  'group.collection.paid',
  'group.fund.spent',
  'group.settlement_received',
  'family.payment',
  'iou.accepted',
  'iou.repayment',
];

/** The other person a notification is about, whichever field its kind names them in. */
export function nameOf(n: Notification): string | undefined {
  // The person who acted: the sender, liker, borrower asking, family member paying, payer linking.
  const keys = [
    'fromNickname',
    'byNickname',
    'nickname',
    'borrowerNickname',
    'memberNickname',
    'payerNickname',
  ];
  for (const key of keys) {
    const value = n.data[key];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

/**
 * Keeps the unread count current: fetched once, then pushed by the server over Server-Sent
 * Events (`event: notification`, `event: unread`). EventSource reconnects by itself and sends
 * Last-Event-ID, so nothing is missed across a dropped connection.
 */
export function NotificationProvider({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [unread, setUnread] = useState(0);
  const [live, setLive] = useState<Notification[]>([]);
  const [friendRequests, setFriendRequests] = useState(0);
  const userId = me?.id;
  const refreshFriendRequests = useCallback(() => {
    social.incomingRequests(undefined, REQUESTS_COUNTED).then(
      (page) => setFriendRequests(page.items.length + (page.nextCursor ? 1 : 0)),
      () => {},
    );
  }, []);
  // The stream lives as long as the session; messages use the language of the moment they arrive.
  const say = useRef({ t, toast, lang: i18n.language });
  say.current = { t, toast, lang: i18n.language };

  useEffect(() => {
    if (!userId) {
      setUnread(0);
      setLive([]);
      setFriendRequests(0);
      return;
    }
    refreshFriendRequests();
    let closed = false;
    api.unreadCount().then(
      (r) => !closed && setUnread(r.unread),
      () => {},
    );
    const source = new EventSource('/api/v1/notifications/stream', { withCredentials: true });
    source.addEventListener('notification', (e) => {
      try {
        const n = JSON.parse((e as MessageEvent<string>).data) as Notification;
        setLive((list) => (list.some((x) => x.id === n.id) ? list : [n, ...list].slice(0, 50)));
        if (MONEY_KINDS.some((prefix) => n.kind.startsWith(prefix))) walletChanged();
        if (n.kind.startsWith('friend.')) refreshFriendRequests();
        const amount = amountOf(n);
        const currency = typeof n.data.currency === 'string' ? n.data.currency : 'CNY';
        const { t: tr, toast: show, lang } = say.current;
        show(
          tr(`notifications.toast.${n.kind}`, {
            defaultValue: tr('notifications.toast.default'),
            amount: amount === undefined ? '' : formatMoney(amount, currency, lang),
            name: nameOf(n) ?? tr('notifications.someone'),
          }),
          'success',
        );
      } catch {
        // A malformed event is ignored; the list page shows the truth.
      }
    });
    source.addEventListener('unread', (e) => {
      try {
        const { unread: n } = JSON.parse((e as MessageEvent<string>).data) as { unread: number };
        setUnread(n);
      } catch {
        // ignored, as above
      }
    });
    // Conversations ride the same stream: messages carry no event id, so a reconnect (which
    // replays notifications only) tells the chat screens to reload instead.
    source.addEventListener('message', (e) => {
      try {
        chatEvent({
          type: 'message',
          message: JSON.parse((e as MessageEvent<string>).data) as Message,
        });
      } catch {
        // ignored, as above
      }
    });
    source.addEventListener('message_removed', (e) => {
      try {
        const { conversationId, id } = JSON.parse((e as MessageEvent<string>).data) as {
          conversationId: string;
          id: string;
        };
        chatEvent({ type: 'removed', conversationId, id });
      } catch {
        // ignored, as above
      }
    });
    let opened = false;
    source.addEventListener('open', () => {
      if (opened) chatEvent({ type: 'resync' });
      opened = true;
    });
    source.addEventListener('conversations_resync', () => chatEvent({ type: 'resync' }));
    return () => {
      closed = true;
      source.close();
    };
  }, [userId, refreshFriendRequests]);

  const value = useMemo(
    () => ({ unread, setUnread, live, friendRequests, refreshFriendRequests }),
    [unread, live, friendRequests, refreshFriendRequests],
  );
  return <NotificationContext.Provider value={value}>{children}</NotificationContext.Provider>;
}

export function useNotifications(): NotificationState {
  return useContext(NotificationContext);
}

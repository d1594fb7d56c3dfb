import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { amountOf, api, type Notification } from '../api.ts';
import {
  BellIcon,
  ClockIcon,
  EnvelopeIcon,
  FeedIcon,
  FriendsIcon,
  ListIcon,
  SendIcon,
  ShieldIcon,
} from '../components/icons.tsx';
import { GroupIcon } from '../components/social-icons.tsx';
import { EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { nameOf, useNotifications } from '../notifications.tsx';

function NotificationIcon({ kind }: { kind: string }) {
  if (kind === 'transfer.awaiting_acceptance') return <ClockIcon size={20} />;
  if (kind.startsWith('redpacket.')) return <EnvelopeIcon size={20} />;
  if (kind.startsWith('friend.')) return <FriendsIcon size={20} />;
  if (kind.startsWith('post.')) return <FeedIcon size={20} />;
  if (kind.startsWith('group.')) return <GroupIcon size={20} />;
  if (kind.startsWith('family.')) return <ShieldIcon size={20} />;
  if (kind.startsWith('iou.')) return <ListIcon size={20} />;
  return <SendIcon size={20} />;
}

function transferIdOf(n: Notification): string | undefined {
  const id = n.data.transferId;
  return typeof id === 'string' ? id : undefined;
}

function text(n: Notification, key: string): string | undefined {
  const value = n.data[key];
  return typeof value === 'string' && value ? value : undefined;
}

/** The screen a notification opens: the transfer, envelope, post, requests or the person. */
function hrefOf(n: Notification): string | undefined {
  const transferId = transferIdOf(n);
  if (transferId) return `/transactions/${transferId}`;
  const packetId = text(n, 'redPacketId') ?? text(n, 'packetId');
  if (n.kind.startsWith('redpacket.') && packetId) return `/red-packets/${packetId}`;
  const postId = text(n, 'postId');
  if (n.kind.startsWith('post.') && postId) return `/posts/${postId}`;
  if (n.kind === 'friend.request') return '/friends/requests';
  const userId = text(n, 'userId');
  if (n.kind === 'friend.accepted' && userId) return `/users/${userId}`;
  const iouId = text(n, 'iouId');
  if (n.kind.startsWith('iou.') && iouId) return `/ious/${iouId}`;
  if (n.kind.startsWith('family.')) return '/family';
  const collectionId = text(n, 'collectionId');
  if (n.kind.startsWith('group.collection.') && collectionId) return `/collections/${collectionId}`;
  const groupId = text(n, 'groupId');
  // A removed member can no longer open the group.
  if (n.kind.startsWith('group.') && n.kind !== 'group.removed' && groupId) {
    return `/groups/${groupId}`;
  }
  return undefined;
}

/** The second line: who, and what they said (a note, a greeting, a message, a comment). */
function detailOf(n: Notification): string | undefined {
  return text(n, 'note') ?? text(n, 'greeting') ?? text(n, 'message') ?? text(n, 'excerpt');
}

/**
 * Notifications written before they carried the sender's name (`fromNickname`) get it from the
 * transaction (which the receiver may see), fetched once per transfer.
 */
function useSenderNames(items: Notification[]): Map<string, string> {
  const [names, setNames] = useState(new Map<string, string>());
  const asked = useRef(new Set<string>());
  useEffect(() => {
    const ids = items
      .filter((n) => nameOf(n) === undefined)
      .map(transferIdOf)
      .filter((id): id is string => id !== undefined && !asked.current.has(id))
      .slice(0, 20);
    if (ids.length === 0) return;
    for (const id of ids) asked.current.add(id);
    void Promise.all(
      ids.map((id) =>
        api.transaction(id).then(
          (tx) => [id, tx.counterparty?.nickname] as const,
          () => [id, undefined] as const,
        ),
      ),
    ).then((found) =>
      setNames((prev) => {
        const next = new Map(prev);
        for (const [id, name] of found) if (name) next.set(id, name);
        return next;
      }),
    );
  }, [items]);
  return names;
}

export function NotificationsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { live, setUnread } = useNotifications();
  const [items, setItems] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let stale = false;
    api.notifications().then(
      async (page) => {
        if (stale) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
        // Opening the list reads them; they stay highlighted on this visit.
        if (page.unread > 0) {
          const r = await api.markRead({ all: true }).catch(() => undefined);
          if (r && !stale) setUnread(r.unread);
        }
      },
      (err: unknown) => {
        if (stale) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      stale = true;
    };
  }, [setUnread]);

  // Live arrivals while the list is open go on top (and are read, since the user is looking).
  useEffect(() => {
    if (loading) return;
    const fresh = live.filter(
      (n) => !items.some((x) => x.id === n.id) && (items[0]?.seq ?? 0) < n.seq,
    );
    if (fresh.length === 0) return;
    setItems((list) => [...fresh, ...list]);
    void api.markRead({ ids: fresh.map((n) => n.id) }).then(
      (r) => setUnread(r.unread),
      () => {},
    );
  }, [live, items, loading, setUnread]);

  const names = useSenderNames(items);

  const loadMore = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api.notifications(cursor);
      setItems((list) => [...list, ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('notifications.title')} back />
      {error ? <ErrorText>{errorMessage(t, error)}</ErrorText> : null}
      {loading && items.length === 0 ? (
        <Loading />
      ) : items.length === 0 && !error ? (
        <EmptyState
          title={t('notifications.empty')}
          hint={t('notifications.emptyHint')}
          icon={<BellIcon size={36} />}
        />
      ) : (
        <ul className="card notification-list">
          {items.map((n) => {
            const transferId = transferIdOf(n);
            const href = hrefOf(n);
            const amount = amountOf(n);
            const currency = typeof n.data.currency === 'string' ? n.data.currency : 'CNY';
            const note = detailOf(n);
            const name = nameOf(n) ?? (transferId ? names.get(transferId) : undefined);
            // Transfers' titles say only the amount: the sender goes on the second line.
            const fromLine = Boolean(name && transferId && n.kind.startsWith('transfer.'));
            const body = (
              <>
                <span
                  className={`notif-icon notif-${n.kind.replaceAll('.', '-')}`}
                  aria-hidden="true"
                >
                  <NotificationIcon kind={n.kind} />
                </span>
                <span className="notif-main">
                  <span className="notif-title">
                    {t(`notifications.kind.${n.kind}`, {
                      defaultValue: t('notifications.kind.default'),
                      amount: amount === undefined ? '' : f.money(amount, currency),
                      name: name ?? t('notifications.someone'),
                    })}
                  </span>
                  <span className="notif-sub">
                    {/* Other kinds name the person in their title already. */}
                    {fromLine ? t('notifications.from', { name }) : null}
                    {fromLine && note ? ' · ' : null}
                    {note
                      ? transferId
                        ? t('notifications.note', { note })
                        : t('notifications.quote', { text: note })
                      : null}
                  </span>
                  <time className="notif-time" dateTime={n.createdAt}>
                    {f.shortDateTime(n.createdAt)}
                  </time>
                </span>
                {!n.read && (
                  <span className="unread-dot">
                    <span className="visually-hidden">{t('notifications.unread')}</span>
                  </span>
                )}
              </>
            );
            return (
              <li key={n.id} className={n.read ? 'notif' : 'notif notif-unread'}>
                {href ? (
                  <Link to={href} className="notif-link">
                    {body}
                  </Link>
                ) : (
                  <div className="notif-link">{body}</div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          className="button button-secondary button-block load-more"
          onClick={() => void loadMore()}
          disabled={loading}
        >
          {loading ? t('common.loading') : t('history.loadMore')}
        </button>
      )}
    </div>
  );
}

import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api.ts';
import { useMe } from '../auth.tsx';
import { chatRead, onChatEvent } from '../chat-live.ts';
import { CollectionCard, RedPacketCard, TransferCard } from '../components/ChatCards.tsx';
import { EnvelopeIcon, PlusIcon, SendIcon } from '../components/icons.tsx';
import { GroupIcon } from '../components/social-icons.tsx';
import { Avatar } from '../components/social-ui.tsx';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { conversationTitle } from './Chats.tsx';
import { chat, type Message } from './chat-api.ts';
import { social } from './social-api.ts';

/** What the thread knows about its conversation: a title and the names of the people in it. */
function useConversationInfo(id: string) {
  const me = useMe();
  const { t } = useTranslation();
  const info = useAsync(async () => {
    const page = await chat.conversations(undefined, 100);
    const c = page.items.find((x) => x.id === id);
    const names = new Map<string, string>([[me.id, t('feed.you')]]);
    if (c?.peer) names.set(c.peer.userId, c.peer.nickname);
    let memberCount: number | undefined;
    if (c?.groupId) {
      const g = await social.group(c.groupId).catch(() => undefined);
      for (const m of g?.members ?? []) if (m.userId !== me.id) names.set(m.userId, m.nickname);
      memberCount = g?.members.length;
    }
    return { conversation: c, names, memberCount };
  }, [id, me.id]);
  return info;
}

const SEND_ERRORS = {
  blocked: 'chat.errors.blocked',
  forbidden: 'chat.errors.notFriends',
  content_rejected: 'chat.errors.rejected',
  not_found: 'chat.errors.notFound',
} as const;

/**
 * One conversation: messages oldest at the top, money as cards acted on in place, new ones
 * arriving live; a composer with text, and send-money / red-envelope actions.
 */
export function ChatPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const me = useMe();
  const f = useFormat();
  const info = useConversationInfo(id);
  const c = info.data?.conversation;
  const names = info.data?.names;
  const nameOf = useCallback(
    (userId: string) => names?.get(userId) ?? t('notifications.someone'),
    [names, t],
  );
  const [messages, setMessages] = useState<Message[]>([]); // newest first, as the API pages
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string>();
  const [actionsOpen, setActionsOpen] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);
  const inputId = useId();

  const markRead = useCallback(() => {
    chat.markRead(id).then(chatRead, () => {});
  }, [id]);

  const loadFirst = useCallback(() => {
    chat.messages(id).then(
      (page) => {
        setMessages(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
        setLoadError(undefined);
        markRead();
      },
      (err: unknown) => {
        setLoadError(err);
        setLoading(false);
      },
    );
  }, [id, markRead]);

  useEffect(() => {
    setMessages([]);
    setLoading(true);
    loadFirst();
  }, [loadFirst]);

  // Live: a message for this thread is added (once), a removed one goes, a reconnect reloads.
  useEffect(
    () =>
      onChatEvent((e) => {
        if (e.type === 'resync') loadFirst();
        else if (e.type === 'removed' && e.conversationId === id) {
          setMessages((list) => list.filter((m) => m.id !== e.id));
        } else if (e.type === 'message' && e.message.conversationId === id) {
          setMessages((list) =>
            list.some((m) => m.id === e.message.id) ? list : [e.message, ...list],
          );
          if (document.visibilityState === 'visible') markRead();
        }
      }),
    [id, loadFirst, markRead],
  );

  const newest = messages[0]?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the newest message changes
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [newest]);

  const older = async () => {
    if (!cursor) return;
    const page = await chat.messages(id, cursor);
    setMessages((list) => [...list, ...page.items.filter((m) => !list.some((x) => x.id === m.id))]);
    setCursor(page.nextCursor);
  };

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    setError(undefined);
    try {
      const sent = await chat.send(id, body);
      setMessages((list) => (list.some((m) => m.id === sent.id) ? list : [sent, ...list]));
      setText('');
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'rate_limited'
          ? t('chat.errors.tooFast')
          : errorMessage(t, err, SEND_ERRORS),
      );
    } finally {
      setSending(false);
    }
  };

  const back = encodeURIComponent(`/chats/${id}`);
  const title = c ? conversationTitle(c, t('chat.untitled')) : t('chat.title');
  const envelopeLink = c?.groupId
    ? `/red-packets/new?${new URLSearchParams({ group: c.groupId, name: title })}&back=${back}`
    : c?.peer
      ? `/red-packets/new?${new URLSearchParams({ to: c.peer.userId, name: title })}&back=${back}`
      : undefined;
  const transferLink = c?.peer
    ? `/transfer?${new URLSearchParams({ to: c.peer.userId, name: title })}&back=${back}`
    : undefined;
  const collectLink = c?.groupId ? `/groups/${c.groupId}/collections/new` : undefined;
  const shown = [...messages].reverse();

  return (
    <div className="page chat-page">
      <PageHeader
        title={info.data?.memberCount ? `${title} (${info.data.memberCount})` : title}
        back="/chats"
        right={
          c?.groupId ? (
            <Link
              to={`/groups/${c.groupId}`}
              className="icon-button"
              aria-label={t('chat.groupHome')}
            >
              <GroupIcon size={22} />
            </Link>
          ) : undefined
        }
      />
      {loadError ? (
        <ErrorText>{errorMessage(t, loadError, { not_found: 'chat.errors.notFound' })}</ErrorText>
      ) : loading ? (
        <Loading />
      ) : (
        <>
          {cursor && (
            <button
              type="button"
              className="button button-secondary button-small chat-older"
              onClick={() => void older()}
            >
              {t('chat.older')}
            </button>
          )}
          {shown.length === 0 && <p className="muted center chat-empty">{t('chat.say')}</p>}
          <ol className="chat-thread" aria-label={t('chat.messages')} data-testid="thread">
            {shown.map((m) => {
              const mine = m.senderId === me.id;
              if (m.kind === 'system') {
                const d = m.data ?? {};
                return (
                  <li key={m.id} className="chat-system">
                    {t('chat.system.collectionPaid', {
                      name: nameOf(m.senderId),
                      amount: f.money(
                        typeof d.amount === 'number' ? d.amount : 0,
                        typeof d.currency === 'string' ? d.currency : 'CNY',
                      ),
                    })}
                  </li>
                );
              }
              return (
                <li
                  key={m.id}
                  className={`chat-msg${mine ? ' chat-msg-mine' : ''}`}
                  data-kind={m.kind}
                >
                  {!mine && <Avatar name={nameOf(m.senderId)} id={m.senderId} size="small" />}
                  <div className="chat-msg-body">
                    {!mine && c?.kind === 'group' && (
                      <span className="chat-msg-name">{nameOf(m.senderId)}</span>
                    )}
                    {m.kind === 'text' ? (
                      <p className="chat-bubble">{m.text}</p>
                    ) : m.kind === 'transfer' ? (
                      <TransferCard m={m} nameOf={nameOf} />
                    ) : m.kind === 'red_packet' ? (
                      <RedPacketCard m={m} nameOf={nameOf} />
                    ) : (
                      <CollectionCard m={m} />
                    )}
                    {m.held && <span className="chat-held">{t('chat.held')}</span>}
                  </div>
                </li>
              );
            })}
          </ol>
          <div ref={bottom} />
        </>
      )}
      <form className="chat-composer" onSubmit={(e) => void send(e)}>
        {error && <ErrorText>{error}</ErrorText>}
        {actionsOpen && (
          <nav className="chat-actions" aria-label={t('chat.actions')}>
            {transferLink && (
              <Link to={transferLink} className="quick-action">
                <span className="quick-icon quick-icon-send">
                  <SendIcon />
                </span>
                <span>{t('chat.sendMoney')}</span>
              </Link>
            )}
            {envelopeLink && (
              <Link to={envelopeLink} className="quick-action">
                <span className="quick-icon quick-icon-red">
                  <EnvelopeIcon />
                </span>
                <span>{t('chat.redPacket')}</span>
              </Link>
            )}
            {collectLink && (
              <Link to={collectLink} className="quick-action">
                <span className="quick-icon">
                  <PlusIcon />
                </span>
                <span>{t('chat.collect')}</span>
              </Link>
            )}
          </nav>
        )}
        <div className="chat-composer-row">
          <button
            type="button"
            className="icon-button chat-more"
            aria-label={t('chat.actions')}
            aria-expanded={actionsOpen}
            onClick={() => setActionsOpen((o) => !o)}
          >
            <PlusIcon />
          </button>
          <label htmlFor={inputId} className="visually-hidden">
            {t('chat.placeholder')}
          </label>
          <input
            id={inputId}
            className="input chat-input"
            value={text}
            maxLength={2000}
            placeholder={t('chat.placeholder')}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
            enterKeyHint="send"
          />
          <button
            type="submit"
            className="button button-primary button-small"
            disabled={sending || !text.trim()}
          >
            {t('chat.send')}
          </button>
        </div>
      </form>
    </div>
  );
}

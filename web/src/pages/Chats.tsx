import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth.tsx';
import { onChatEvent } from '../chat-live.ts';
import { timeAgo } from '../components/social-format.ts';
import { CommentIcon, GroupIcon } from '../components/social-icons.tsx';
import { Avatar, LoadMore } from '../components/social-ui.tsx';
import { EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { type Conversation, chat, type Message } from './chat-api.ts';

/** One line of what a message was, for the list: the text, or what kind of money moved. */
export function usePreview() {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  return (m: Message): string => {
    const d = m.data ?? {};
    const amount =
      typeof d.amount === 'number'
        ? f.money(d.amount, typeof d.currency === 'string' ? d.currency : 'CNY')
        : typeof d.totalAmount === 'number'
          ? f.money(d.totalAmount, typeof d.currency === 'string' ? d.currency : 'CNY')
          : '';
    switch (m.kind) {
      case 'text':
        return m.text ?? '';
      case 'transfer':
        return t('chat.preview.transfer', { amount });
      case 'red_packet':
        return t('chat.preview.redPacket', {
          greeting: typeof d.greeting === 'string' && d.greeting ? d.greeting : '',
        });
      case 'collection':
        return t('chat.preview.collection', { note: typeof d.note === 'string' ? d.note : '' });
      default:
        return m.senderId === me.id
          ? t('chat.preview.youPaid', { amount })
          : t('chat.preview.paid', { amount });
    }
  };
}

export function conversationTitle(c: Conversation, fallback: string): string {
  return c.peer?.nickname || c.groupName || fallback;
}

/** The Chats tab: every conversation, the most recent first, with its unread count. */
export function ChatsPage() {
  const { t, i18n } = useTranslation();
  const preview = usePreview();
  const list = usePaged(
    (cursor) => chat.conversations(cursor),
    (c) => c.id,
    [],
  );
  const { reload } = list;
  // A message anywhere moves its conversation to the top and counts as unread.
  useEffect(() => onChatEvent(() => reload()), [reload]);

  return (
    <div className="page chats-page">
      <PageHeader title={t('chat.title')} />
      {list.error && list.items.length === 0 ? (
        <ErrorText>{errorMessage(t, list.error)}</ErrorText>
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <EmptyState
          title={t('chat.empty')}
          hint={t('chat.emptyHint')}
          icon={<CommentIcon size={36} />}
        >
          <Link to="/friends" className="button button-primary button-small">
            {t('chat.toFriends')}
          </Link>
        </EmptyState>
      ) : (
        <>
          <ul className="card chat-list" data-testid="conversations">
            {list.items.map((c) => {
              const title = conversationTitle(c, t('chat.untitled'));
              return (
                <li key={c.id}>
                  <Link to={`/chats/${c.id}`} className="chat-row">
                    {c.kind === 'group' ? (
                      <span className="group-avatar" aria-hidden="true">
                        <GroupIcon size={22} />
                      </span>
                    ) : (
                      <Avatar name={title} id={c.peer?.userId} />
                    )}
                    <span className="chat-row-main">
                      <span className="chat-row-title">{title}</span>
                      <span className="chat-row-last">
                        {c.lastMessage ? preview(c.lastMessage) : t('chat.noMessages')}
                      </span>
                    </span>
                    <span className="chat-row-side">
                      {c.lastMessage && (
                        <time dateTime={c.lastMessage.createdAt}>
                          {timeAgo(i18n.language, c.lastMessage.createdAt)}
                        </time>
                      )}
                      {c.unread > 0 && (
                        <span className="chat-unread" data-testid="chat-unread">
                          {c.unread > 99 ? '99+' : c.unread}
                          <span className="visually-hidden">
                            {t('chat.unread', { count: c.unread })}
                          </span>
                        </span>
                      )}
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
          <LoadMore
            hasMore={list.hasMore}
            loading={list.loadingMore}
            onMore={list.loadMore}
            count={list.items.length}
          />
        </>
      )}
    </div>
  );
}

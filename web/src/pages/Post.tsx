import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useMe } from '../auth.tsx';
import { ReportButton } from '../components/circle-ui.tsx';
import { PostCard } from '../components/FeedCards.tsx';
import { timeAgo } from '../components/social-format.ts';
import { CommentIcon, TrashIcon } from '../components/social-icons.tsx';
import { Avatar, LoadMore } from '../components/social-ui.tsx';
import {
  ConfirmSheet,
  EmptyState,
  ErrorText,
  IconButton,
  Loading,
  PageHeader,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import { type Comment, type Post, social } from './social-api.ts';

/** One post with its comments: read, add, and delete my own (or any, on my own post). */
export function PostPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const me = useMe();
  const toast = useToast();
  const navigate = useNavigate();
  const [post, setPost] = useState<Post | null>(null);
  const [postError, setPostError] = useState<unknown>();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [formError, setFormError] = useState<string>();
  const [confirm, setConfirm] = useState<Comment | null>(null);
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    let stale = false;
    setPost(null);
    setPostError(undefined);
    social.post(id).then(
      (p) => !stale && setPost(p),
      (err: unknown) => !stale && setPostError(err),
    );
    return () => {
      stale = true;
    };
  }, [id]);

  // Comments are for the author's friends; others see the post only.
  const canComment = post?.commentCount !== undefined;
  const comments = usePaged(
    (cursor) =>
      canComment ? social.comments(id, cursor) : Promise.resolve({ items: [], nextCursor: null }),
    (c) => c.id,
    [id, canComment],
  );

  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() || !post) return;
    setSending(true);
    setFormError(undefined);
    try {
      const comment = await social.addComment(id, text.trim());
      comments.update((list) => [comment, ...list]);
      if (comment.moderationStatus === 'visible') {
        setPost({ ...post, commentCount: (post.commentCount ?? 0) + 1 });
      } else toast(t('post.commentHeld'), 'info');
      setText('');
    } catch (err) {
      setFormError(errorMessage(t, err, { content_rejected: 'compose.errors.rejected' }));
    } finally {
      setSending(false);
    }
  };

  const removeComment = async () => {
    if (!confirm || !post) return;
    setDeleting(true);
    try {
      await social.deleteComment(confirm.id);
      comments.update((list) => list.filter((c) => c.id !== confirm.id));
      if (confirm.moderationStatus === 'visible') {
        setPost({ ...post, commentCount: Math.max(0, (post.commentCount ?? 1) - 1) });
      }
      toast(t('post.commentDeleted'), 'success');
    } catch (err) {
      toast(errorMessage(t, err), 'error');
    } finally {
      setDeleting(false);
      setConfirm(null);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t('post.title')}
        back="/feed"
        right={
          post && post.author.userId !== me.id ? (
            <ReportButton target={{ type: 'post', id: post.id }} />
          ) : undefined
        }
      />
      {postError ? (
        <ErrorText>{errorMessage(t, postError, { not_found: 'post.notFound' })}</ErrorText>
      ) : !post ? (
        <Loading />
      ) : (
        <>
          <PostCard
            post={post}
            meId={me.id}
            onChange={setPost}
            onDeleted={() => navigate('/feed', { replace: true })}
            linkComments={false}
          />
          {canComment ? (
            <section className="card" aria-labelledby="comments-title">
              <h2 id="comments-title" className="card-title card-title-spaced">
                {t('post.comments', { count: post.commentCount ?? 0 })}
              </h2>
              <form className="comment-form" onSubmit={send}>
                <label htmlFor="comment-text" className="visually-hidden">
                  {t('post.commentLabel')}
                </label>
                <input
                  id="comment-text"
                  name="comment"
                  maxLength={500}
                  autoComplete="off"
                  placeholder={t('post.commentPlaceholder')}
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  aria-invalid={Boolean(formError)}
                />
                <button
                  type="submit"
                  className="button button-primary button-small"
                  disabled={sending || !text.trim()}
                >
                  {t('post.send')}
                </button>
              </form>
              {formError && <ErrorText>{formError}</ErrorText>}
              {comments.error ? <ErrorText>{errorMessage(t, comments.error)}</ErrorText> : null}
              {comments.loading ? (
                <Loading />
              ) : comments.items.length === 0 ? (
                <EmptyState title={t('post.noComments')} icon={<CommentIcon size={32} />} />
              ) : (
                <ul className="comment-list">
                  {comments.items.map((c) => {
                    const deletable = c.author.userId === me.id || post.author.userId === me.id;
                    return (
                      <li key={c.id} className="comment">
                        <Avatar name={c.author.nickname} id={c.author.userId} size="small" />
                        <div className="comment-main">
                          <p className="comment-head">
                            <Link to={`/users/${c.author.userId}`} className="feed-name">
                              {c.author.userId === me.id ? t('feed.you') : c.author.nickname}
                            </Link>
                            <time dateTime={c.createdAt} className="feed-meta">
                              {timeAgo(i18n.language, c.createdAt)}
                            </time>
                            {c.moderationStatus === 'held' && (
                              <span className="chip chip-pending">{t('post.held')}</span>
                            )}
                          </p>
                          <p className="comment-text">{c.text}</p>
                          {c.author.userId !== me.id && (
                            <ReportButton target={{ type: 'comment', id: c.id }} />
                          )}
                        </div>
                        {deletable && (
                          <IconButton onClick={() => setConfirm(c)} label={t('post.deleteComment')}>
                            <TrashIcon size={18} />
                          </IconButton>
                        )}
                      </li>
                    );
                  })}
                </ul>
              )}
              <LoadMore
                hasMore={comments.hasMore}
                loading={comments.loadingMore}
                onMore={comments.loadMore}
                count={0}
              />
            </section>
          ) : (
            <p className="muted small center">{t('post.friendsOnly')}</p>
          )}
        </>
      )}
      <ConfirmSheet
        open={confirm !== null}
        title={t('post.deleteCommentTitle')}
        confirmLabel={t('post.deleteComment')}
        danger
        busy={deleting}
        onConfirm={() => void removeComment()}
        onClose={() => setConfirm(null)}
      />
    </div>
  );
}

import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorMessage } from '../errors.ts';
import type { Media, PaymentItem, Post } from '../pages/social-api.ts';
import { social } from '../pages/social-api.ts';
import { useToast } from '../toast.tsx';
import { BackIcon, ChevronIcon, CloseIcon, SendIcon } from './icons.tsx';
import { timeAgo } from './social-format.ts';
import { CommentIcon, HeartIcon, PlayIcon, TrashIcon } from './social-icons.tsx';
import { Avatar, VisibilityTag } from './social-ui.tsx';
import { ConfirmSheet, Sheet } from './ui.tsx';

/** "A paid B · note": a payment in the feed. The API has no amount for it, by design. */
export function PaymentCard({ item, meId }: { item: PaymentItem; meId: string }) {
  const { t, i18n } = useTranslation();
  const who = (u: { userId: string; nickname: string }) =>
    u.userId === meId ? t('feed.you') : u.nickname;
  return (
    <article className="card feed-card payment-card" aria-label={t('feed.paymentLabel')}>
      <span className="payment-icon" aria-hidden="true">
        <SendIcon size={18} />
      </span>
      <div className="payment-main">
        <p className="payment-line">
          <Link to={`/users/${item.from.userId}`} className="feed-name">
            {who(item.from)}
          </Link>{' '}
          {t('feed.paid')}{' '}
          <Link to={`/users/${item.to.userId}`} className="feed-name">
            {who(item.to)}
          </Link>
        </p>
        {item.note && <p className="payment-note">{item.note}</p>}
        <p className="feed-meta">
          <time dateTime={item.createdAt}>{timeAgo(i18n.language, item.createdAt)}</time>
          <VisibilityTag visibility={item.visibility} />
        </p>
      </div>
    </article>
  );
}

/** Photos as a grid of thumbnails (tap for the full picture), videos with the browser's player. */
function MediaGrid({ media, author }: { media: Media[]; author: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  const images = media.filter((m) => m.kind === 'image');
  const videos = media.filter((m) => m.kind === 'video');
  return (
    <>
      {images.length > 0 && (
        // Four photos sit two by two, as phones show them; otherwise up to three a row.
        <ul
          className={`media-grid media-grid-${images.length === 4 ? 4 : Math.min(images.length, 3)}`}
        >
          {images.map((m, i) => (
            <li key={m.id}>
              <button
                type="button"
                className="media-thumb"
                onClick={() => setOpen(i)}
                aria-label={t('post.openPhoto', { n: i + 1, total: images.length, name: author })}
              >
                <img
                  src={m.thumbnailUrl ?? m.url}
                  alt=""
                  loading="lazy"
                  width={m.width}
                  height={m.height}
                />
              </button>
            </li>
          ))}
        </ul>
      )}
      {videos.map((m) => (
        // biome-ignore lint/a11y/useMediaCaption: user videos come without captions
        <video
          key={m.id}
          className="media-video"
          src={m.url}
          controls
          preload="metadata"
          playsInline
          aria-label={t('post.video', { name: author })}
        />
      ))}
      <PhotoViewer images={images} index={open} onIndex={setOpen} author={author} />
    </>
  );
}

function PhotoViewer({
  images,
  index,
  onIndex,
  author,
}: {
  images: Media[];
  index: number | null;
  onIndex: (i: number | null) => void;
  author: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const photo = index === null ? undefined : images[index];
  const step = (by: number) =>
    index !== null && onIndex((index + by + images.length) % images.length);
  return (
    <Sheet
      open={photo !== undefined}
      onClose={() => onIndex(null)}
      labelledBy={id}
      className="photo-viewer"
    >
      <div className="photo-viewer-head">
        <h2 id={id} className="photo-viewer-title">
          {t('post.photoOf', { n: (index ?? 0) + 1, total: images.length })}
        </h2>
        <button
          type="button"
          className="icon-button photo-viewer-close"
          aria-label={t('common.close')}
          onClick={() => onIndex(null)}
          data-autofocus
        >
          <CloseIcon />
        </button>
      </div>
      {photo && (
        <img
          className="photo-viewer-image"
          src={photo.url}
          alt={t('post.photoAlt', { n: (index ?? 0) + 1, name: author })}
        />
      )}
      {images.length > 1 && (
        <div className="photo-viewer-nav">
          <button
            type="button"
            className="icon-button"
            onClick={() => step(-1)}
            aria-label={t('post.previous')}
          >
            <BackIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={() => step(1)}
            aria-label={t('post.next')}
          >
            <ChevronIcon />
          </button>
        </div>
      )}
    </Sheet>
  );
}

/**
 * A 生活圈 post: author, text (always rendered as text), photos and videos, likes and
 * comments (for the author's friends), delete for the author.
 */
export function PostCard({
  post,
  meId,
  onChange,
  onDeleted,
  linkComments = true,
}: {
  post: Post;
  meId: string;
  onChange: (post: Post) => void;
  onDeleted: (id: string) => void;
  /** In the feed the comment count opens the post; on the post's own page it is just a count. */
  linkComments?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [liking, setLiking] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const mine = post.author.userId === meId;
  const interactive = post.likeCount !== undefined;

  const toggleLike = async () => {
    if (liking) return;
    const liked = !post.likedByMe;
    const before = post;
    setLiking(true);
    // Optimistic: the heart changes at once; the server's count replaces the guess.
    onChange({ ...post, likedByMe: liked, likeCount: (post.likeCount ?? 0) + (liked ? 1 : -1) });
    try {
      const r = await social.setLike(post.id, liked);
      onChange({ ...post, likedByMe: r.liked, likeCount: r.likeCount });
    } catch (err) {
      onChange(before);
      toast(errorMessage(t, err), 'error');
    } finally {
      setLiking(false);
    }
  };

  const remove = async () => {
    setDeleting(true);
    try {
      await social.deletePost(post.id);
      setConfirm(false);
      toast(t('post.deleted'), 'success');
      onDeleted(post.id);
    } catch (err) {
      toast(errorMessage(t, err), 'error');
      setDeleting(false);
    }
  };

  const comments = t('post.comments', { count: post.commentCount ?? 0 });
  return (
    <article className="card feed-card post-card" aria-labelledby={`post-${post.id}-author`}>
      <header className="post-head">
        <Avatar name={post.author.nickname} id={post.author.userId} />
        <div className="post-who">
          <Link
            to={`/users/${post.author.userId}`}
            className="feed-name"
            id={`post-${post.id}-author`}
          >
            {mine ? t('feed.you') : post.author.nickname}
          </Link>
          <p className="feed-meta">
            <Link to={`/posts/${post.id}`} className="feed-time">
              <time dateTime={post.createdAt}>{timeAgo(i18n.language, post.createdAt)}</time>
            </Link>
            <VisibilityTag visibility={post.visibility} />
            {post.moderationStatus === 'held' && (
              <span className="chip chip-pending">{t('post.held')}</span>
            )}
          </p>
        </div>
        {mine && (
          <button
            type="button"
            className="icon-button post-delete"
            onClick={() => setConfirm(true)}
            aria-label={t('post.delete')}
            title={t('post.delete')}
          >
            <TrashIcon size={20} />
          </button>
        )}
      </header>
      {post.text && <p className="post-text">{post.text}</p>}
      {post.media.length > 0 && <MediaGrid media={post.media} author={post.author.nickname} />}
      {interactive && (
        <footer className="post-actions">
          <button
            type="button"
            className={`post-action${post.likedByMe ? ' post-action-on' : ''}`}
            aria-pressed={Boolean(post.likedByMe)}
            onClick={() => void toggleLike()}
          >
            <HeartIcon size={20} filled={post.likedByMe} />
            <span>{t('post.like')}</span>
            <span className="post-count">{post.likeCount ?? 0}</span>
          </button>
          {linkComments ? (
            <Link to={`/posts/${post.id}`} className="post-action">
              <CommentIcon size={20} />
              <span>{t('post.comment')}</span>
              <span className="post-count">{post.commentCount ?? 0}</span>
            </Link>
          ) : (
            <span className="post-action post-action-static">
              <CommentIcon size={20} />
              <span>{comments}</span>
            </span>
          )}
        </footer>
      )}
      <ConfirmSheet
        open={confirm}
        title={t('post.deleteTitle')}
        body={t('post.deleteBody')}
        confirmLabel={t('post.delete')}
        danger
        busy={deleting}
        onConfirm={() => void remove()}
        onClose={() => setConfirm(false)}
      />
    </article>
  );
}

/** A small play mark over a video's placeholder in compose previews. */
export function VideoBadge() {
  return (
    <span className="video-badge" aria-hidden="true">
      <PlayIcon size={18} />
    </span>
  );
}

import path from 'node:path';
import type { Db } from '../../db/pool.ts';
import type { CacheBus } from '../../platform/cache-bus.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdentityService } from '../identity/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { DEFAULT_FEED_OPTIONS, FeedService } from './feed.ts';
import { DEFAULT_FRIEND_OPTIONS, FriendService } from './friends.ts';
import type { SocialGraph } from './graph.ts';
import { DEFAULT_MEDIA_LIMITS, MediaService } from './media.ts';
import type { Moderate } from './moderation-hook.ts';
import { PostService } from './posts.ts';
import { PrivacyService } from './privacy.ts';
import { findFfmpeg, VideoTranscoder } from './video.ts';

export type { FeedItem, FeedService, PaymentRecord } from './feed.ts';
export type { FriendService } from './friends.ts';
export { SocialGraph } from './graph.ts';
export type { MediaService } from './media.ts';
export type { Moderate, ModerationContext, ModerationVerdict } from './moderation-hook.ts';
export type { PostService } from './posts.ts';
export type { PrivacyService, PrivacySettings, Visibility } from './privacy.ts';
export { socialRoutes } from './routes.ts';

export interface SocialServices {
  friends: FriendService;
  privacy: PrivacyService;
  feed: FeedService;
  posts: PostService;
  media: MediaService;
}

export function createSocialServices(
  db: Db,
  clock: Clock,
  deps: {
    graph: SocialGraph;
    identity: IdentityService;
    notifications: NotificationService;
    /** Text moderation for posts, comments and request greetings (injected; see moderation-hook.ts). */
    moderate: Moderate;
    secret: string;
    dataDir: string;
    /** Invalidation for the privacy cache; without it privacy is read every time. */
    cacheBus?: CacheBus;
    /** Held posts and comments into the review queue (the safety desk, wired in services.ts). */
    holdForReview?: ConstructorParameters<typeof PostService>[7];
  },
): SocialServices {
  const privacy = new PrivacyService(db, clock, deps.cacheBus);
  const ffmpeg = findFfmpeg();
  const media = new MediaService(
    db,
    clock,
    path.join(deps.dataDir, 'media'),
    DEFAULT_MEDIA_LIMITS,
    ffmpeg ? new VideoTranscoder(ffmpeg) : null,
  );
  const feed = new FeedService(db, clock, media, DEFAULT_FEED_OPTIONS);
  const posts = new PostService(
    db,
    clock,
    deps.graph,
    feed,
    media,
    deps.notifications,
    deps.moderate,
    deps.holdForReview,
  );
  const friends = new FriendService(
    db,
    clock,
    deps.graph,
    deps.identity,
    privacy,
    feed,
    deps.notifications,
    deps.moderate,
    { secret: deps.secret, ...DEFAULT_FRIEND_OPTIONS },
  );
  return { friends, privacy, feed, posts, media };
}

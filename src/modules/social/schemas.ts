/** Request and response schemas of the social API: validation, types and OpenAPI at once. */
import { Type } from '@sinclair/typebox';
import { Body, IsoDate, Uuid } from '../../platform/schemas.ts';

export const VisibilitySchema = Type.Union([
  Type.Literal('public'),
  Type.Literal('friends'),
  Type.Literal('private'),
]);

const UserRefSchema = Type.Object({ userId: Type.String(), nickname: Type.String() });

export const FriendRequestBody = Body({
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  phone: Type.Optional(Type.String({ minLength: 5, maxLength: 20 })),
  qrToken: Type.Optional(
    Type.String({ minLength: 1, maxLength: 300, description: 'The token of a friend QR code' }),
  ),
  message: Type.Optional(Type.String({ maxLength: 100 })),
});

export const RequestOutcomeSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined')]),
});

export const IncomingRequestSchema = Type.Object({
  id: Type.String(),
  from: UserRefSchema,
  message: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDate,
});

export const SentRequestSchema = Type.Object({
  id: Type.String(),
  to: UserRefSchema,
  message: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDate,
});

export const FriendSchema = Type.Object({
  userId: Type.String(),
  nickname: Type.String(),
  since: IsoDate,
});

export const FriendQrSchema = Type.Object({
  token: Type.String(),
  expiresAt: IsoDate,
  qrSvg: Type.String({ description: 'The token as a QR code, an SVG document' }),
});

export const PrivacySchema = Type.Object({
  findableByPhone: Type.Boolean(),
  defaultPaymentVisibility: VisibilitySchema,
});

export const PrivacyPatch = Type.Object(
  {
    findableByPhone: Type.Optional(Type.Boolean()),
    defaultPaymentVisibility: Type.Optional(VisibilitySchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const MediaViewSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('image'), Type.Literal('video')]),
  contentType: Type.String(),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  bytes: Type.Integer(),
  url: Type.String(),
  thumbnailUrl: Type.Union([Type.String(), Type.Null()]),
  thumbnailPlaceholder: Type.Boolean({
    description: 'true when there is no thumbnail (videos): show a placeholder',
  }),
});

const postProperties = {
  id: Type.String(),
  author: UserRefSchema,
  text: Type.String(),
  media: Type.Array(MediaViewSchema),
  visibility: VisibilitySchema,
  moderationStatus: Type.Union([Type.Literal('visible'), Type.Literal('held')]),
  likeCount: Type.Optional(Type.Integer()),
  commentCount: Type.Optional(Type.Integer()),
  likedByMe: Type.Optional(Type.Boolean()),
  location: Type.Optional(Type.Object({ lat: Type.Number(), lng: Type.Number() })),
  createdAt: IsoDate,
};

export const PostSchema = Type.Object(postProperties);

export const CreatePostBody = Body({
  text: Type.String({ maxLength: 2000 }),
  mediaIds: Type.Optional(Type.Array(Uuid, { maxItems: 9 })),
  visibility: Type.Optional(VisibilitySchema),
  location: Type.Optional(
    Body({
      lat: Type.Number({ minimum: -90, maximum: 90 }),
      lng: Type.Number({ minimum: -180, maximum: 180 }),
    }),
  ),
});

export const CommentSchema = Type.Object({
  id: Type.String(),
  postId: Type.String(),
  author: UserRefSchema,
  text: Type.String(),
  moderationStatus: Type.Union([Type.Literal('visible'), Type.Literal('held')]),
  createdAt: IsoDate,
});

export const CommentBody = Body({ text: Type.String({ minLength: 1, maxLength: 500 }) });

export const LikeSchema = Type.Object({ liked: Type.Boolean(), likeCount: Type.Integer() });

/** A payment in the feed: who paid whom and the note. There is no amount field, by design. */
const PaymentFeedItemSchema = Type.Object({
  kind: Type.Literal('payment'),
  id: Type.String(),
  from: UserRefSchema,
  to: UserRefSchema,
  note: Type.Union([Type.String(), Type.Null()]),
  visibility: VisibilitySchema,
  createdAt: IsoDate,
});

const PostFeedItemSchema = Type.Object({ kind: Type.Literal('post'), ...postProperties });

export const FeedItemSchema = Type.Union([PaymentFeedItemSchema, PostFeedItemSchema]);

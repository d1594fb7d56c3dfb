-- Circles (圈子): interest communities whose viewing, posting and commenting are gated by
-- entry rules over verified attributes (src/modules/circles/entry-rules.ts).
CREATE TABLE circles (
  id             uuid PRIMARY KEY,
  name           text NOT NULL,
  description    text NOT NULL,
  tags           text[] NOT NULL DEFAULT '{}',
  rules          jsonb NOT NULL DEFAULT '{}',
  owner_id       uuid NOT NULL REFERENCES users (id),
  member_count   integer NOT NULL DEFAULT 0,
  status         text NOT NULL CHECK (status IN ('active', 'dissolved')),
  dissolved_at   timestamptz,
  dissolved_reason text,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX circles_active ON circles (created_at DESC, id DESC) WHERE status = 'active';

-- Every rule set a circle had, the first included: members can read how the gate changed.
CREATE TABLE circle_rule_history (
  id          uuid PRIMARY KEY,
  circle_id   uuid NOT NULL REFERENCES circles (id),
  rules       jsonb NOT NULL,
  changed_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL
);
CREATE INDEX circle_rule_history_circle ON circle_rule_history (circle_id, created_at DESC, id DESC);

CREATE TABLE circle_members (
  circle_id  uuid NOT NULL REFERENCES circles (id),
  user_id    uuid NOT NULL REFERENCES users (id),
  joined_at  timestamptz NOT NULL,
  PRIMARY KEY (circle_id, user_id)
);
CREATE INDEX circle_members_user ON circle_members (user_id);

-- 'held': the text filter wants a human look (author only); 'removed': taken down.
CREATE TABLE circle_posts (
  id             uuid PRIMARY KEY,
  circle_id      uuid NOT NULL REFERENCES circles (id),
  author_id      uuid NOT NULL REFERENCES users (id),
  text           text NOT NULL,
  status         text NOT NULL CHECK (status IN ('visible', 'held', 'removed')),
  categories     text[] NOT NULL DEFAULT '{}',
  like_count     integer NOT NULL DEFAULT 0,
  comment_count  integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL
);
CREATE INDEX circle_posts_circle ON circle_posts (circle_id, created_at DESC, id DESC);

CREATE TABLE circle_comments (
  id          uuid PRIMARY KEY,
  post_id     uuid NOT NULL REFERENCES circle_posts (id),
  author_id   uuid NOT NULL REFERENCES users (id),
  text        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('visible', 'held', 'removed')),
  categories  text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL
);
CREATE INDEX circle_comments_post ON circle_comments (post_id, created_at DESC, id DESC);

CREATE TABLE circle_likes (
  post_id     uuid NOT NULL REFERENCES circle_posts (id),
  user_id     uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (post_id, user_id)
);

-- Photos of circle posts come from the same uploads as 生活圈 posts.
ALTER TABLE media ADD COLUMN circle_post_id uuid REFERENCES circle_posts (id) ON DELETE SET NULL;
CREATE INDEX media_circle_post ON media (circle_post_id, position) WHERE circle_post_id IS NOT NULL;

-- The sandbox student verifier's verdicts (`POST /me/student-verification`).
CREATE TABLE student_verifications (
  user_id          uuid PRIMARY KEY REFERENCES users (id),
  school           text NOT NULL,
  enrollment_year  integer NOT NULL,
  verified_at      timestamptz NOT NULL
);

-- Platform-wide settings an operator changes at run time; one row per key.
CREATE TABLE platform_policy (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_by  uuid REFERENCES users (id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO platform_policy (key, value) VALUES
  ('circles.forbiddenAttributes', '["gender", "creditScore"]');

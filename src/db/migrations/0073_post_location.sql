-- Posts may carry where they were shared from (API.md, Discovery: the 现场 view). Stored
-- already coarsened to 3 decimals of a degree (about 100 m), so no precise place is ever kept.
ALTER TABLE posts ADD COLUMN lat double precision, ADD COLUMN lng double precision;
ALTER TABLE posts ADD CONSTRAINT posts_location_pair CHECK ((lat IS NULL) = (lng IS NULL));
CREATE INDEX posts_located ON posts (lat, lng) WHERE lat IS NOT NULL;
-- Discovery's candidates: recent public posts, newest first.
CREATE INDEX posts_public_recent ON posts (created_at DESC)
  WHERE visibility = 'public' AND moderation_status = 'visible';

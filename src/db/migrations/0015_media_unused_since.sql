-- The hourly purge of uploads no post took looks them up by age alone.
CREATE INDEX media_unused_since ON media (created_at) WHERE post_id IS NULL;

-- Every change to something a process may cache (src/platform/cache-bus.ts) sends
-- NOTIFY hebao_cache '<topic>:<key>' from the changing transaction itself, whoever makes the
-- change (the app, an operator's SQL, a test): it is heard exactly when the change commits,
-- and every process evicts. The topics are sessions ('session:<session id>'), what a session
-- carries about its user ('user:<user id>': nickname, role, verification, a ban, deletion),
-- a user's blocks ('blocks:<user id>', for both sides) and privacy ('privacy:<user id>').
CREATE FUNCTION hebao_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'sessions' THEN
    PERFORM pg_notify('hebao_cache', 'session:' || r.id);
  ELSIF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('hebao_cache', 'user:' || r.id);
  ELSIF TG_TABLE_NAME = 'bans' THEN
    IF r.kind = 'user' THEN PERFORM pg_notify('hebao_cache', 'user:' || r.subject); END IF;
  ELSIF TG_TABLE_NAME = 'blocks' THEN
    PERFORM pg_notify('hebao_cache', 'blocks:' || r.blocker_id);
    PERFORM pg_notify('hebao_cache', 'blocks:' || r.blocked_id);
    IF TG_OP = 'UPDATE' THEN
      PERFORM pg_notify('hebao_cache', 'blocks:' || OLD.blocker_id);
      PERFORM pg_notify('hebao_cache', 'blocks:' || OLD.blocked_id);
    END IF;
  ELSIF TG_TABLE_NAME = 'privacy_settings' THEN
    PERFORM pg_notify('hebao_cache', 'privacy:' || r.user_id);
  END IF;
  RETURN NULL;
END $$;

-- last_seen_at and PIN attempts change often and are not cached: they send nothing.
CREATE TRIGGER sessions_cache AFTER UPDATE OF user_id, token_hash, expires_at, revoked_at OR DELETE
  ON sessions FOR EACH ROW EXECUTE FUNCTION hebao_cache_notify();
CREATE TRIGGER users_cache AFTER UPDATE OF id, nickname, role, verified_at OR DELETE
  ON users FOR EACH ROW EXECUTE FUNCTION hebao_cache_notify();
CREATE TRIGGER bans_cache AFTER INSERT OR UPDATE OR DELETE
  ON bans FOR EACH ROW EXECUTE FUNCTION hebao_cache_notify();
CREATE TRIGGER blocks_cache AFTER INSERT OR UPDATE OR DELETE
  ON blocks FOR EACH ROW EXECUTE FUNCTION hebao_cache_notify();
CREATE TRIGGER privacy_settings_cache AFTER INSERT OR UPDATE OR DELETE
  ON privacy_settings FOR EACH ROW EXECUTE FUNCTION hebao_cache_notify();

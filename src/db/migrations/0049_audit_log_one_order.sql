-- The audit log is read in order of writing (its seq, made by 0030); the created_at index that
-- 0045 added for a list of its own is not used by any query.
DROP INDEX IF EXISTS audit_log_created;

-- Campaign and charity actions go to the platform's audit_log (GET /admin/audit); the
-- branch-local table they used before the merge was never written on main.
DROP TABLE campaign_audit;

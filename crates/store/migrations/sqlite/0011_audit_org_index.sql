-- An organisation's own audit rows (the web UI's audit log page) are read by org_id, newest seq first.
CREATE INDEX audit_log_org ON audit_log (org_id, seq);

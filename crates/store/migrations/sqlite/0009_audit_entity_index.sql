-- A record's audit rows (its latest one for the `log` field of API responses, its logged rows) are read by
-- (entity, entity_id), newest seq first.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);

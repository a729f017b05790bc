-- Export licence applications, pre-export notifications (PEN), the history of their states, and the
-- idempotency keys of the API. Dates are ISO `YYYY-MM-DD` text (as on SQLite, so both share the code);
-- lists are comma-separated; the trade check is kept as the JSON the API returned.
ALTER TABLE organisations ADD COLUMN pen_response_days BIGINT
    CHECK (pen_response_days IS NULL OR pen_response_days BETWEEN 1 AND 365);

CREATE TABLE licence_applications (
    id                TEXT PRIMARY KEY NOT NULL,
    applicant_org_id  TEXT NOT NULL REFERENCES organisations (id),
    authority_org_id  TEXT NOT NULL REFERENCES organisations (id),
    substance_id      TEXT NOT NULL,
    substance_name    TEXT NOT NULL,
    quantity          TEXT NOT NULL,
    quantity_kg       DOUBLE PRECISION,
    consignee_name    TEXT NOT NULL,
    consignee_address TEXT NOT NULL,
    exporting_country TEXT NOT NULL,
    importing_country TEXT NOT NULL,
    transit_countries TEXT NOT NULL DEFAULT '',
    end_use           TEXT NOT NULL,
    expected_date     TEXT NOT NULL,
    check_result      TEXT NOT NULL,
    registry_version  TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'refused', 'withdrawn')),
    licence_number    TEXT,
    valid_until       TEXT,
    decision_reason   TEXT,
    version           BIGINT NOT NULL DEFAULT 1,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX licence_applications_applicant ON licence_applications (applicant_org_id, created_at);
CREATE INDEX licence_applications_authority ON licence_applications (authority_org_id, created_at);

CREATE TABLE notifications (
    id                TEXT PRIMARY KEY NOT NULL,
    licence_id        TEXT REFERENCES licence_applications (id),
    exporting_org_id  TEXT NOT NULL REFERENCES organisations (id),
    importing_org_id  TEXT NOT NULL REFERENCES organisations (id),
    exporting_country TEXT NOT NULL,
    importing_country TEXT NOT NULL,
    substance_id      TEXT NOT NULL,
    substance_name    TEXT NOT NULL,
    quantity          TEXT NOT NULL,
    quantity_kg       DOUBLE PRECISION,
    exporter_name     TEXT NOT NULL,
    consignee_name    TEXT NOT NULL,
    consignee_address TEXT NOT NULL,
    transit_countries TEXT NOT NULL DEFAULT '',
    expected_date     TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('sent', 'no_objection', 'objection', 'info_requested',
                                                     'withdrawn', 'shipped', 'received')),
    deadline_at       TIMESTAMPTZ NOT NULL,
    deadline_basis    TEXT NOT NULL,
    reply_reason      TEXT,
    replied_at        TIMESTAMPTZ,
    version           BIGINT NOT NULL DEFAULT 1,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_exporting ON notifications (exporting_org_id, created_at);
CREATE INDEX notifications_importing ON notifications (importing_org_id, created_at);
CREATE INDEX notifications_licence ON notifications (licence_id);

-- Who moved which record from which state to which, when and why (append-only, like the audit log).
CREATE TABLE state_changes (
    seq        BIGSERIAL PRIMARY KEY,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    org_id     TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    reason     TEXT
);
CREATE INDEX state_changes_entity ON state_changes (entity, entity_id, seq);
CREATE TRIGGER state_changes_no_change BEFORE UPDATE OR DELETE ON state_changes
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only(); -- (its message names audit_log)

-- A POST that creates something, answered once per (user, Idempotency-Key): a retry gets the same answer.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    method_path  TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT,
    response     TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);

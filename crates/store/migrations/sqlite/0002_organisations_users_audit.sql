-- Organisations (national authorities, companies, marketplaces, observers), their users, and the
-- append-only audit log of every mutation (who, when, what; personal data only as hashes).
CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('authority', 'company', 'marketplace', 'observer')),
    name        TEXT NOT NULL,
    country     TEXT CHECK (country IS NULL OR length(country) = 2),
    competences TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    CHECK (kind <> 'authority' OR country IS NOT NULL)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'reviewer', 'read_only')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    org_id     TEXT,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    detail     TEXT NOT NULL
);
-- Append-only: the store never updates or deletes audit rows, and the database refuses to.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

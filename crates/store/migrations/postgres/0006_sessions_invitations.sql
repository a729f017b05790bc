-- Browser sessions: the cookie carries 32 random bytes, stored here only as a SHA-256 hash. A session ends
-- when revoked (sign-out, the user disabled), after 12 h without a request (last_seen_at) or 7 days after
-- it began (expires_at). Its CSRF token is derived from the secret, so it is not stored.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Sign-in attempts within the throttling window (older rows are pruned), keyed by the hashed e-mail and
-- the hashed client address; a successful sign-in removes its e-mail's rows.
CREATE TABLE login_attempts (
    id         TEXT PRIMARY KEY NOT NULL,
    email_hash TEXT NOT NULL,
    ip_hash    TEXT,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email_hash, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip_hash, at);
CREATE INDEX login_attempts_at ON login_attempts (at);

-- Invitations by an organisation's admin: a one-time token (SHA-256 hash only) that creates the user with
-- the role when accepted before it expires.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'reviewer', 'read_only')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    user_id     TEXT REFERENCES users (id),
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX invitations_org ON invitations (org_id);

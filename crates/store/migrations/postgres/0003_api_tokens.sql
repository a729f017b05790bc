-- API tokens for scripts: scoped, shown once, stored only as a SHA-256 hash (the secret is 32 random bytes,
-- so a fast hash is enough; passwords, which are guessable, use argon2id).
CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    name        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Which registry versions this instance has served, and since when: every decision records a registry
-- version, and an auditor needs to know which versions a deployment ever used.
CREATE TABLE registry_versions (
    version     TEXT PRIMARY KEY NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL
);

-- Incidents (seizures, stopped shipments, suspicious orders, online offers), whom they are shared with,
-- their comments; entities (companies and persons) with their identifiers, their links to incidents, and
-- each organisation's watch list. Dates are ISO `YYYY-MM-DD` text, timestamps RFC 3339 text; lists of ids
-- and countries are comma-separated; substances, identifiers, red flags and screenings are JSON text.
CREATE TABLE incidents (
    id               TEXT PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('seizure', 'stopped_shipment', 'suspicious_order', 'online_offer')),
    reporter_org_id  TEXT NOT NULL REFERENCES organisations (id),
    substance_ids    TEXT NOT NULL,
    substances       TEXT NOT NULL,
    quantity         TEXT,
    quantity_kg      REAL,
    modus_operandi   TEXT,
    route            TEXT NOT NULL DEFAULT '',
    occurred_on      TEXT NOT NULL,
    description      TEXT NOT NULL,
    share_with_all   INTEGER NOT NULL DEFAULT 0,
    source_url       TEXT,
    source_text      TEXT,
    screening        TEXT,
    red_flags        TEXT NOT NULL DEFAULT '[]',
    score            REAL,
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX incidents_reporter ON incidents (reporter_org_id, occurred_on);
CREATE INDEX incidents_occurred ON incidents (occurred_on, created_at);

-- The organisations an incident is shared with, besides its reporter (sharing only widens).
CREATE TABLE incident_shares (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    shared_by   TEXT NOT NULL,
    shared_at   TEXT NOT NULL,
    PRIMARY KEY (incident_id, org_id)
);
CREATE INDEX incident_shares_org ON incident_shares (org_id);

CREATE TABLE incident_comments (
    id          TEXT PRIMARY KEY NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX incident_comments_incident ON incident_comments (incident_id, created_at);

CREATE TABLE entities (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    kind        TEXT NOT NULL CHECK (kind IN ('company', 'person')),
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    country     TEXT CHECK (country IS NULL OR length(country) = 2),
    identifiers TEXT NOT NULL DEFAULT '[]',
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX entities_org ON entities (org_id, created_at);

CREATE TABLE incident_entities (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    entity_id   TEXT NOT NULL REFERENCES entities (id),
    linked_by   TEXT NOT NULL,
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (incident_id, entity_id)
);
CREATE INDEX incident_entities_entity ON incident_entities (entity_id);

-- An organisation's watch list: removing an entry keeps it, with who removed it, when and why.
CREATE TABLE watchlist (
    id             TEXT PRIMARY KEY NOT NULL,
    org_id         TEXT NOT NULL REFERENCES organisations (id),
    entity_id      TEXT NOT NULL REFERENCES entities (id),
    reason         TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    removed_by     TEXT,
    removed_at     TEXT,
    removed_reason TEXT
);
CREATE UNIQUE INDEX watchlist_active ON watchlist (org_id, entity_id) WHERE removed_at IS NULL;
CREATE INDEX watchlist_org ON watchlist (org_id, added_at);

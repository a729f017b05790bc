-- The verifiable record (issue #8): every audit row becomes a leaf of an RFC 6962 Merkle tree.
--
-- The audit log is the outbox: a trigger queues each new audit row in ledger_pending, in the transaction
-- that writes it (so a record and its queue entry commit together); the drainer (one at a time, holding the
-- ledger_state row) appends queued rows in audit seq order with dense leaf indexes, stores the tree's new
-- hashes and a signed checkpoint, and dequeues them, in one transaction. Sequence values can commit out of
-- order here, so leaf indexes are assigned by the drainer, never derived from seq. A crash between the
-- record's commit and the drain loses nothing: the queue entry is still there at start-up.
CREATE TABLE ledger_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    size       BIGINT NOT NULL,
    updated_at TIMESTAMPTZ
);
INSERT INTO ledger_state (id, size) VALUES (1, 0);

CREATE TABLE ledger_pending (
    audit_seq BIGINT PRIMARY KEY NOT NULL REFERENCES audit_log (seq)
);
CREATE FUNCTION ledger_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_pending (audit_seq) VALUES (NEW.seq);
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_log_to_ledger AFTER INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION ledger_enqueue();
-- Rows written before this migration are logged too.
INSERT INTO ledger_pending (audit_seq) SELECT seq FROM audit_log;

-- One row per leaf: the audit row it logs and the leaf's content (pw-ledger's `record` module: kind, time,
-- SHA-256 of the row's canonical bytes) and RFC 6962 leaf hash.
CREATE TABLE ledger_leaves (
    leaf_index  BIGINT PRIMARY KEY NOT NULL,
    audit_seq   BIGINT NOT NULL UNIQUE REFERENCES audit_log (seq),
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    record_hash BYTEA NOT NULL,
    leaf_hash   BYTEA NOT NULL
);

-- The tree's hashes by stored hash index (Go sumdb/tlog layout: about two per leaf, written once).
CREATE TABLE ledger_hashes (
    idx  BIGINT PRIMARY KEY NOT NULL,
    hash BYTEA NOT NULL
);

-- Every signed checkpoint (C2SP tlog-checkpoint as a signed note), one per drained batch.
CREATE TABLE ledger_checkpoints (
    size       BIGINT PRIMARY KEY NOT NULL,
    root       BYTEA NOT NULL,
    note       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_leaves_no_change BEFORE UPDATE OR DELETE ON ledger_leaves
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_hashes_no_change BEFORE UPDATE OR DELETE ON ledger_hashes
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_checkpoints_no_change BEFORE UPDATE OR DELETE ON ledger_checkpoints
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- The verifiable record (issue #8): every audit row becomes a leaf of an RFC 6962 Merkle tree.
--
-- The audit log is the outbox: a trigger queues each new audit row in ledger_pending, in the transaction
-- that writes it (so a record and its queue entry commit together); the drainer (one at a time, holding the
-- ledger_state row) appends queued rows in audit seq order with dense leaf indexes, stores the tree's new
-- hashes and a signed checkpoint, and dequeues them, in one transaction. A crash between the record's commit
-- and the drain loses nothing: the queue entry is still there at start-up.
CREATE TABLE ledger_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    size       INTEGER NOT NULL,
    updated_at TEXT
);
INSERT INTO ledger_state (id, size) VALUES (1, 0);

CREATE TABLE ledger_pending (
    audit_seq INTEGER PRIMARY KEY NOT NULL REFERENCES audit_log (seq)
);
CREATE TRIGGER audit_log_to_ledger AFTER INSERT ON audit_log
BEGIN INSERT INTO ledger_pending (audit_seq) VALUES (NEW.seq); END;
-- Rows written before this migration are logged too.
INSERT INTO ledger_pending (audit_seq) SELECT seq FROM audit_log;

-- One row per leaf: the audit row it logs and the leaf's content (pw-ledger's `record` module: kind, time,
-- SHA-256 of the row's canonical bytes) and RFC 6962 leaf hash.
CREATE TABLE ledger_leaves (
    leaf_index  INTEGER PRIMARY KEY NOT NULL,
    audit_seq   INTEGER NOT NULL UNIQUE REFERENCES audit_log (seq),
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    record_hash BLOB NOT NULL,
    leaf_hash   BLOB NOT NULL
);

-- The tree's hashes by stored hash index (Go sumdb/tlog layout: about two per leaf, written once).
CREATE TABLE ledger_hashes (
    idx  INTEGER PRIMARY KEY NOT NULL,
    hash BLOB NOT NULL
);

-- Every signed checkpoint (C2SP tlog-checkpoint as a signed note), one per drained batch.
CREATE TABLE ledger_checkpoints (
    size       INTEGER PRIMARY KEY NOT NULL,
    root       BLOB NOT NULL,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TRIGGER ledger_leaves_no_update BEFORE UPDATE ON ledger_leaves
BEGIN SELECT RAISE(ABORT, 'ledger_leaves is append-only'); END;
CREATE TRIGGER ledger_leaves_no_delete BEFORE DELETE ON ledger_leaves
BEGIN SELECT RAISE(ABORT, 'ledger_leaves is append-only'); END;
CREATE TRIGGER ledger_hashes_no_update BEFORE UPDATE ON ledger_hashes
BEGIN SELECT RAISE(ABORT, 'ledger_hashes is append-only'); END;
CREATE TRIGGER ledger_hashes_no_delete BEFORE DELETE ON ledger_hashes
BEGIN SELECT RAISE(ABORT, 'ledger_hashes is append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;

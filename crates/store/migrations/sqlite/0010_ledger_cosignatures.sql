-- Witnessing (issue #8): cosignatures (C2SP tlog-cosignature, cosignature/v1) of this log's checkpoints by
-- the witnesses the operator configured (`pwatch serve --witness-key`). The server stores a cosignature only
-- after verifying it against the witness's key and the checkpoint it issued at that size; the line is kept
-- as received, so anyone can append it to the checkpoint's note and verify it again. A witness cosigns a
-- size once (a second submission for the same size is not stored again). Append-only.
CREATE TABLE ledger_cosignatures (
    size        INTEGER NOT NULL REFERENCES ledger_checkpoints (size),
    witness     TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    cosigned_at INTEGER NOT NULL,
    line        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (size, witness, key_id)
);
-- Who witnessed what, latest first (the transparency log page, /api/v1/log/witnesses).
CREATE INDEX ledger_cosignatures_by_witness ON ledger_cosignatures (witness, key_id, size);

CREATE TRIGGER ledger_cosignatures_no_update BEFORE UPDATE ON ledger_cosignatures
BEGIN SELECT RAISE(ABORT, 'ledger_cosignatures is append-only'); END;
CREATE TRIGGER ledger_cosignatures_no_delete BEFORE DELETE ON ledger_cosignatures
BEGIN SELECT RAISE(ABORT, 'ledger_cosignatures is append-only'); END;

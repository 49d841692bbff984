-- Disposal (Aussonderung) of closed files at the end of their retention,
-- through the archive's xdomea 3.0.0 process (records context).

-- A legal hold (litigation, a request) blocks a file's disposal until it
-- is lifted.
CREATE TABLE records_legal_hold (
    id          BLOB PRIMARY KEY NOT NULL,
    file_id     BLOB NOT NULL REFERENCES records_file (id),
    reason      TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TEXT NOT NULL,
    lifted_by   TEXT,
    lifted_at   TEXT
);
CREATE INDEX records_legal_hold_file ON records_legal_hold (file_id);

-- One disposal process; its id is the xdomea ProzessID of its messages.
CREATE TABLE records_disposal (
    id                    BLOB PRIMARY KEY NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('offered', 'appraised', 'transferred', 'completed')),
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    offer_received_at     TEXT,
    appraised_at          TEXT,
    transferred_at        TEXT,
    transfer_received_at  TEXT,
    completed_at          TEXT
);

-- The files of a process. The row outlives the file: after deletion it is
-- the disposal record (what was disposed of, how, when, and the archive's
-- signature).
CREATE TABLE records_disposal_item (
    process_id       BLOB NOT NULL REFERENCES records_disposal (id),
    file_id          BLOB NOT NULL,
    reference        TEXT NOT NULL,
    title            TEXT NOT NULL,
    plan_code        TEXT NOT NULL,
    closed_at        TEXT NOT NULL,
    retention_until  TEXT NOT NULL,
    -- The archive's decision: archive (A) or destroy (V).
    decision         TEXT CHECK (decision IN ('archive', 'destroy')),
    -- From the appraisal (0502) or the appraisal catalogue (0513).
    decided_by       TEXT CHECK (decided_by IN ('appraisal', 'catalogue')),
    outcome          TEXT NOT NULL CHECK (outcome IN ('pending', 'archived', 'destroyed', 'failed', 'held')),
    archive_id       TEXT,
    error            TEXT,
    disposed_at      TEXT,
    PRIMARY KEY (process_id, file_id)
);
CREATE INDEX records_disposal_item_file ON records_disposal_item (file_id, outcome);

-- Every xdomea message written or read, kept with the process.
CREATE TABLE records_disposal_message (
    id          BLOB PRIMARY KEY NOT NULL,
    process_id  BLOB NOT NULL,
    code        TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX records_disposal_message_process ON records_disposal_message (process_id, created_at);

-- The archive's appraisal catalogue (0513): a decision per file-plan node
-- that applies to its files (and those of the nodes below) without a
-- per-file appraisal.
CREATE TABLE records_appraisal_catalogue (
    plan_node_id  BLOB PRIMARY KEY NOT NULL,
    decision      TEXT NOT NULL CHECK (decision IN ('archive', 'destroy')),
    process_id    BLOB NOT NULL,
    received_at   TEXT NOT NULL
);

-- Disposal (Aussonderung) of closed files at the end of their retention,
-- through the archive's xdomea 3.0.0 process (records context).

-- A legal hold (litigation, a request) blocks a file's disposal until it
-- is lifted.
CREATE TABLE records_legal_hold (
    id          UUID PRIMARY KEY,
    file_id     UUID NOT NULL REFERENCES records_file (id),
    reason      TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL,
    lifted_by   TEXT,
    lifted_at   TIMESTAMPTZ
);
CREATE INDEX records_legal_hold_file ON records_legal_hold (file_id);

-- One disposal process; its id is the xdomea ProzessID of its messages.
CREATE TABLE records_disposal (
    id                    UUID PRIMARY KEY,
    state                 TEXT NOT NULL CHECK (state IN ('offered', 'appraised', 'transferred', 'completed')),
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    offer_received_at     TIMESTAMPTZ,
    appraised_at          TIMESTAMPTZ,
    transferred_at        TIMESTAMPTZ,
    transfer_received_at  TIMESTAMPTZ,
    completed_at          TIMESTAMPTZ
);

-- The files of a process. The row outlives the file: after deletion it is
-- the disposal record (what was disposed of, how, when, and the archive's
-- signature).
CREATE TABLE records_disposal_item (
    process_id       UUID NOT NULL REFERENCES records_disposal (id),
    file_id          UUID NOT NULL,
    reference        TEXT NOT NULL,
    title            TEXT NOT NULL,
    plan_code        TEXT NOT NULL,
    closed_at        TIMESTAMPTZ NOT NULL,
    retention_until  DATE NOT NULL,
    -- The archive's decision: archive (A) or destroy (V).
    decision         TEXT CHECK (decision IN ('archive', 'destroy')),
    -- From the appraisal (0502) or the appraisal catalogue (0513).
    decided_by       TEXT CHECK (decided_by IN ('appraisal', 'catalogue')),
    outcome          TEXT NOT NULL CHECK (outcome IN ('pending', 'archived', 'destroyed', 'failed', 'held')),
    archive_id       TEXT,
    error            TEXT,
    disposed_at      TIMESTAMPTZ,
    PRIMARY KEY (process_id, file_id)
);
CREATE INDEX records_disposal_item_file ON records_disposal_item (file_id, outcome);

-- Every xdomea message written or read, kept with the process.
CREATE TABLE records_disposal_message (
    id          UUID PRIMARY KEY,
    process_id  UUID NOT NULL,
    code        TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX records_disposal_message_process ON records_disposal_message (process_id, created_at);

-- The archive's appraisal catalogue (0513): a decision per file-plan node
-- that applies to its files (and those of the nodes below) without a
-- per-file appraisal.
CREATE TABLE records_appraisal_catalogue (
    plan_node_id  UUID PRIMARY KEY,
    decision      TEXT NOT NULL CHECK (decision IN ('archive', 'destroy')),
    process_id    UUID NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL
);

-- Co-signing (Mitzeichnung): routes over a document version, steps per
-- round and stage, decisions signed with the decider's key.
CREATE TABLE cosigning_route (
    id           BLOB PRIMARY KEY NOT NULL,
    document_id  BLOB NOT NULL REFERENCES records_document (id),
    file_id      BLOB NOT NULL,
    org_unit_id  BLOB NOT NULL,
    lead_id      BLOB NOT NULL,
    lead_name    TEXT NOT NULL,
    title        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'returned', 'completed')),
    round        INTEGER NOT NULL,
    -- The version the current round decides on, and its SHA-256.
    version_id   BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX cosigning_route_document ON cosigning_route (document_id);

CREATE TABLE cosigning_step (
    id          BLOB PRIMARY KEY NOT NULL,
    route_id    BLOB NOT NULL REFERENCES cosigning_route (id),
    round       INTEGER NOT NULL,
    stage       INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('acknowledge', 'cosign', 'final')),
    -- A person or an org unit (anyone with a clerk or manager role there).
    account_id  BLOB,
    unit_id     BLOB,
    due_on      TEXT,
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'open', 'done', 'skipped')),
    -- The reminder when it fell due, and the escalation to the managers.
    reminded_at TEXT,
    escalated_at TEXT,
    CHECK ((account_id IS NULL) <> (unit_id IS NULL))
);
CREATE INDEX cosigning_step_route ON cosigning_step (route_id, round, stage);
CREATE INDEX cosigning_step_account ON cosigning_step (account_id, state);
CREATE INDEX cosigning_step_unit ON cosigning_step (unit_id, state);

CREATE TABLE cosigning_decision (
    id               BLOB PRIMARY KEY NOT NULL,
    route_id         BLOB NOT NULL REFERENCES cosigning_route (id),
    step_id          BLOB NOT NULL UNIQUE REFERENCES cosigning_step (id),
    round            INTEGER NOT NULL,
    version_id       BLOB NOT NULL,
    decision         TEXT NOT NULL CHECK (decision IN ('approve', 'reserve', 'refuse')),
    comment          TEXT NOT NULL,
    passage          TEXT NOT NULL,
    actor_id         BLOB NOT NULL,
    actor_name       TEXT NOT NULL,
    acting_for_id    BLOB,
    acting_for_name  TEXT,
    -- The form of a final signature (GGO § 18): head, deputy
    -- ("In Vertretung") or commissioned ("Im Auftrag").
    capacity         TEXT,
    statement        TEXT NOT NULL,
    public_key       TEXT NOT NULL,
    signature        TEXT NOT NULL,
    decided_at       TEXT NOT NULL
);
-- A person never decides twice on the same round (the same version).
CREATE UNIQUE INDEX cosigning_decision_person ON cosigning_decision (route_id, round, actor_id);

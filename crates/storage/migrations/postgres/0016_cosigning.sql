-- Co-signing (Mitzeichnung): routes over a document version, steps per
-- round and stage, decisions signed with the decider's key.
CREATE TABLE cosigning_route (
    id           UUID PRIMARY KEY,
    document_id  UUID NOT NULL REFERENCES records_document (id),
    file_id      UUID NOT NULL,
    org_unit_id  UUID NOT NULL,
    lead_id      UUID NOT NULL,
    lead_name    TEXT NOT NULL,
    title        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'returned', 'completed')),
    round        BIGINT NOT NULL,
    -- The version the current round decides on, and its SHA-256.
    version_id   UUID NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX cosigning_route_document ON cosigning_route (document_id);

CREATE TABLE cosigning_step (
    id          UUID PRIMARY KEY,
    route_id    UUID NOT NULL REFERENCES cosigning_route (id),
    round       BIGINT NOT NULL,
    stage       BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('acknowledge', 'cosign', 'final')),
    -- A person or an org unit (anyone with a clerk or manager role there).
    account_id  UUID,
    unit_id     UUID,
    due_on      DATE,
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'open', 'done', 'skipped')),
    -- The reminder when it fell due, and the escalation to the managers.
    reminded_at TIMESTAMPTZ,
    escalated_at TIMESTAMPTZ,
    CHECK ((account_id IS NULL) <> (unit_id IS NULL))
);
CREATE INDEX cosigning_step_route ON cosigning_step (route_id, round, stage);
CREATE INDEX cosigning_step_account ON cosigning_step (account_id, state);
CREATE INDEX cosigning_step_unit ON cosigning_step (unit_id, state);

CREATE TABLE cosigning_decision (
    id               UUID PRIMARY KEY,
    route_id         UUID NOT NULL REFERENCES cosigning_route (id),
    step_id          UUID NOT NULL UNIQUE REFERENCES cosigning_step (id),
    round            BIGINT NOT NULL,
    version_id       UUID NOT NULL,
    decision         TEXT NOT NULL CHECK (decision IN ('approve', 'reserve', 'refuse')),
    comment          TEXT NOT NULL,
    passage          TEXT NOT NULL,
    actor_id         UUID NOT NULL,
    actor_name       TEXT NOT NULL,
    acting_for_id    UUID,
    acting_for_name  TEXT,
    -- The form of a final signature (GGO § 18): head, deputy
    -- ("In Vertretung") or commissioned ("Im Auftrag").
    capacity         TEXT,
    statement        TEXT NOT NULL,
    public_key       TEXT NOT NULL,
    signature        TEXT NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL
);
-- A person never decides twice on the same round (the same version).
CREATE UNIQUE INDEX cosigning_decision_person ON cosigning_decision (route_id, round, actor_id);

-- Cases (cases context): case types configured per service (statuses, each
-- in a fixed phase; transitions; deadline; receiving unit; file-plan code)
-- and the cases made from submissions, exactly one per submission.

CREATE TABLE cases_case_type (
    id              UUID PRIMARY KEY,
    service_id      UUID NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    statuses        JSONB NOT NULL,
    transitions     JSONB NOT NULL,
    deadline_days   BIGINT NOT NULL CHECK (deadline_days BETWEEN 1 AND 365),
    org_unit_id     UUID NOT NULL,
    plan_code       TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE cases_case (
    id              UUID PRIMARY KEY,
    case_type_id    UUID NOT NULL REFERENCES cases_case_type (id),
    submission_id   UUID NOT NULL UNIQUE,
    file_id         UUID NOT NULL,
    reference       TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL,
    phase           TEXT NOT NULL CHECK (phase IN ('received', 'in_progress', 'waiting', 'decided', 'closed')),
    org_unit_id     UUID NOT NULL,
    assignee_id     UUID,
    received_at     TIMESTAMPTZ NOT NULL,
    deadline        TIMESTAMPTZ NOT NULL,
    revision        BIGINT NOT NULL DEFAULT 1,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_case_queue ON cases_case (org_unit_id, phase, deadline);

-- Everything that happened to a case, in order (the case timeline).
CREATE TABLE cases_timeline (
    id         UUID PRIMARY KEY,
    case_id    UUID NOT NULL REFERENCES cases_case (id),
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX cases_timeline_case ON cases_timeline (case_id, at);

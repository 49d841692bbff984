-- Cases (cases context): case types configured per service (statuses, each
-- in a fixed phase; transitions; deadline; receiving unit; file-plan code)
-- and the cases made from submissions, exactly one per submission.

CREATE TABLE cases_case_type (
    id              BLOB PRIMARY KEY NOT NULL,
    service_id      BLOB NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    statuses        TEXT NOT NULL,
    transitions     TEXT NOT NULL,
    deadline_days   INTEGER NOT NULL CHECK (deadline_days BETWEEN 1 AND 365),
    org_unit_id     BLOB NOT NULL,
    plan_code       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE cases_case (
    id              BLOB PRIMARY KEY NOT NULL,
    case_type_id    BLOB NOT NULL REFERENCES cases_case_type (id),
    submission_id   BLOB NOT NULL UNIQUE,
    file_id         BLOB NOT NULL,
    reference       TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL,
    phase           TEXT NOT NULL CHECK (phase IN ('received', 'in_progress', 'waiting', 'decided', 'closed')),
    org_unit_id     BLOB NOT NULL,
    assignee_id     BLOB,
    received_at     TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 1,
    updated_at      TEXT NOT NULL
);
CREATE INDEX cases_case_queue ON cases_case (org_unit_id, phase, deadline);

-- Everything that happened to a case, in order (the case timeline).
CREATE TABLE cases_timeline (
    id         BLOB PRIMARY KEY NOT NULL,
    case_id    BLOB NOT NULL REFERENCES cases_case (id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX cases_timeline_case ON cases_timeline (case_id, at);

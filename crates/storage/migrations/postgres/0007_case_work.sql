-- Working on cases: how the processing deadline behaves while the
-- applicant is asked for something (§ 42a VwVfG), follow-up dates
-- (Wiedervorlagen), requests for information (Nachforderungen), the keys
-- that make document uploads idempotent, the unit a file belongs to and the
-- text extracted from document versions for the search.

-- 'complete': the deadline starts on the day the application is complete,
-- so a request for information restarts it from the answer (§ 42a (2));
-- 'paused': it stops while the applicant is asked and the rest runs on.
ALTER TABLE cases_case_type ADD COLUMN deadline_rule TEXT NOT NULL DEFAULT 'complete'
    CHECK (deadline_rule IN ('complete', 'paused'));

-- Set while a request for information is open: the deadline does not run.
ALTER TABLE cases_case ADD COLUMN deadline_stopped_at TIMESTAMPTZ;
-- Working days that were left when it stopped (rule 'paused').
ALTER TABLE cases_case ADD COLUMN deadline_days_left BIGINT;
CREATE INDEX cases_case_assignee ON cases_case (assignee_id, phase, deadline);
-- The queue walks a unit's cases in deadline order and stops after a page.
CREATE INDEX cases_case_unit_deadline ON cases_case (org_unit_id, deadline, reference);

CREATE TABLE cases_followup (
    id          UUID PRIMARY KEY,
    case_id     UUID NOT NULL REFERENCES cases_case (id),
    account_id  UUID NOT NULL,
    due_on      DATE NOT NULL,
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    done_at     TIMESTAMPTZ
);
CREATE INDEX cases_followup_due ON cases_followup (account_id, done_at, due_on);
CREATE INDEX cases_followup_case ON cases_followup (case_id);

CREATE TABLE cases_request (
    id           UUID PRIMARY KEY,
    case_id      UUID NOT NULL REFERENCES cases_case (id),
    message      TEXT NOT NULL,
    due_on       DATE NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    answer       TEXT,
    answered_at  TIMESTAMPTZ
);
CREATE INDEX cases_request_case ON cases_request (case_id);

-- A client's Idempotency-Key per caller: a repeated upload returns the
-- version made the first time.
CREATE TABLE records_upload_key (
    caller      TEXT NOT NULL,
    key         TEXT NOT NULL,
    version_id  UUID NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (caller, key)
);

-- The unit a file belongs to (who may find it in the search).
ALTER TABLE records_file ADD COLUMN org_unit_id UUID;

-- Text extracted from a version (PDF, plain text, office formats), kept so
-- that the search index can be rebuilt without parsing every file again.
CREATE TABLE records_text (
    version_id  UUID PRIMARY KEY REFERENCES records_version (id),
    text        TEXT NOT NULL,
    extracted_at TIMESTAMPTZ NOT NULL
);

-- Cases are looked up by file reference (the data protection officer's
-- question, search results).
CREATE UNIQUE INDEX cases_case_reference ON cases_case (reference);

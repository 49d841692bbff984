-- Citizen stages 2–3: profile data for once-only prefill, consents to it,
-- drafts of applications, immutable submissions, and the event log that
-- other contexts (cases) consume.

-- Profile of a citizen account (identity context).
CREATE TABLE identity_profile (
    account_id    BLOB PRIMARY KEY NOT NULL REFERENCES identity_account (id),
    given_name    TEXT NOT NULL DEFAULT '',
    family_name   TEXT NOT NULL DEFAULT '',
    birth_date    TEXT NOT NULL DEFAULT '',
    street        TEXT NOT NULL DEFAULT '',
    house_number  TEXT NOT NULL DEFAULT '',
    postcode      TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
);

-- Consents of citizens (identity context), e.g. to prefill one service's
-- form from their account: purpose, subject (the service), scope (the data
-- sources). Revoking sets revoked_at; a new consent is a new row.
CREATE TABLE identity_consent (
    id          BLOB PRIMARY KEY NOT NULL,
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    purpose     TEXT NOT NULL,
    subject_id  BLOB NOT NULL,
    scope       TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX identity_consent_account ON identity_consent (account_id, subject_id);

-- A draft application: answers so far. Owned by an account, or (anonymous)
-- by whoever holds the secret whose SHA-256 is token_hash.
CREATE TABLE forms_draft (
    id             BLOB PRIMARY KEY NOT NULL,
    service_id     BLOB NOT NULL,
    version_id     BLOB NOT NULL REFERENCES forms_version (id),
    account_id     BLOB REFERENCES identity_account (id),
    token_hash     TEXT,
    email          TEXT,
    answers        TEXT NOT NULL,
    prefilled      TEXT NOT NULL,
    consent_asked  INTEGER NOT NULL DEFAULT 0,
    reached        INTEGER NOT NULL DEFAULT 0,
    submission_id  BLOB,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX forms_draft_account ON forms_draft (account_id);
CREATE INDEX forms_draft_expires ON forms_draft (expires_at);

-- A submitted application. Never changed (the trigger refuses updates).
-- draft_id and idempotency_key make retried submissions return the first.
CREATE TABLE forms_submission (
    id               BLOB PRIMARY KEY NOT NULL,
    reference        TEXT NOT NULL UNIQUE,
    service_id       BLOB NOT NULL,
    version_id       BLOB NOT NULL REFERENCES forms_version (id),
    account_id       BLOB REFERENCES identity_account (id),
    draft_id         BLOB UNIQUE,
    idempotency_key  TEXT UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('portal', 'api')),
    submitted_by     TEXT NOT NULL,
    email            TEXT,
    answers          TEXT NOT NULL,
    fee_cents        INTEGER NOT NULL,
    submitted_at     TEXT NOT NULL
);
CREATE INDEX forms_submission_account ON forms_submission (account_id, submitted_at);
CREATE TRIGGER forms_submission_immutable BEFORE UPDATE ON forms_submission
BEGIN
    SELECT RAISE(ABORT, 'submissions are immutable');
END;

-- Domain events in commit order for consumers in other contexts. Written in
-- the transaction of the change (outbox); consumers remember what they
-- handled.
CREATE TABLE storage_event (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          BLOB NOT NULL UNIQUE,
    topic       TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX storage_event_topic ON storage_event (topic, seq);

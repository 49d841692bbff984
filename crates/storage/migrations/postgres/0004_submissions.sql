-- Citizen stages 2–3: profile data for once-only prefill, consents to it,
-- drafts of applications, immutable submissions, and the event log that
-- other contexts (cases) consume.

-- Profile of a citizen account (identity context).
CREATE TABLE identity_profile (
    account_id    UUID PRIMARY KEY REFERENCES identity_account (id),
    given_name    TEXT NOT NULL DEFAULT '',
    family_name   TEXT NOT NULL DEFAULT '',
    birth_date    TEXT NOT NULL DEFAULT '',
    street        TEXT NOT NULL DEFAULT '',
    house_number  TEXT NOT NULL DEFAULT '',
    postcode      TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Consents of citizens (identity context), e.g. to prefill one service's
-- form from their account: purpose, subject (the service), scope (the data
-- sources). Revoking sets revoked_at; a new consent is a new row.
CREATE TABLE identity_consent (
    id          UUID PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES identity_account (id),
    purpose     TEXT NOT NULL,
    subject_id  UUID NOT NULL,
    scope       JSONB NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX identity_consent_account ON identity_consent (account_id, subject_id);

-- A draft application: answers so far. Owned by an account, or (anonymous)
-- by whoever holds the secret whose SHA-256 is token_hash.
CREATE TABLE forms_draft (
    id             UUID PRIMARY KEY,
    service_id     UUID NOT NULL,
    version_id     UUID NOT NULL REFERENCES forms_version (id),
    account_id     UUID REFERENCES identity_account (id),
    token_hash     TEXT,
    email          TEXT,
    answers        JSONB NOT NULL,
    prefilled      JSONB NOT NULL,
    consent_asked  BOOLEAN NOT NULL DEFAULT FALSE,
    reached        BIGINT NOT NULL DEFAULT 0,
    submission_id  UUID,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX forms_draft_account ON forms_draft (account_id);
CREATE INDEX forms_draft_expires ON forms_draft (expires_at);

-- A submitted application. Never changed (the trigger refuses updates).
-- draft_id and idempotency_key make retried submissions return the first.
CREATE TABLE forms_submission (
    id               UUID PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    service_id       UUID NOT NULL,
    version_id       UUID NOT NULL REFERENCES forms_version (id),
    account_id       UUID REFERENCES identity_account (id),
    draft_id         UUID UNIQUE,
    idempotency_key  TEXT UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('portal', 'api')),
    submitted_by     TEXT NOT NULL,
    email            TEXT,
    answers          JSONB NOT NULL,
    fee_cents        BIGINT NOT NULL,
    submitted_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX forms_submission_account ON forms_submission (account_id, submitted_at);
CREATE FUNCTION forms_submission_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'submissions are immutable';
END;
$$;
CREATE TRIGGER forms_submission_immutable BEFORE UPDATE ON forms_submission
    FOR EACH ROW EXECUTE FUNCTION forms_submission_immutable();

-- Domain events in commit order for consumers in other contexts. Written in
-- the transaction of the change (outbox); consumers remember what they
-- handled.
CREATE TABLE storage_event (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
    topic       TEXT NOT NULL,
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX storage_event_topic ON storage_event (topic, seq);

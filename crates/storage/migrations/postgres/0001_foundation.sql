-- Foundation: outbox/jobs, access log, identity (org units, accounts, roles,
-- deputies, sessions, one-time tokens, login attempts, API tokens).
-- Landed migrations are never edited; add a new file instead.

CREATE TABLE storage_job (
    id            UUID PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       JSONB NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    run_at        TIMESTAMPTZ NOT NULL,
    locked_until  TIMESTAMPTZ,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX storage_job_due ON storage_job (status, run_at);

-- Access log. Rows are appended unchained (chain_seq NULL) by the
-- transaction of a change; the single log writer assigns chain_seq and the
-- hashes in order and commits them in groups.
CREATE TABLE storage_audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_ids  TEXT NOT NULL,
    detail      TEXT NOT NULL,
    chain_seq   BIGINT UNIQUE,
    prev_hash   TEXT,
    hash        TEXT
);
CREATE INDEX storage_audit_log_unchained ON storage_audit_log (id) WHERE chain_seq IS NULL;

-- One signed checkpoint per closed segment of the chain: entries of old
-- segments can be deleted after their retention while the chain of the
-- remaining ones still verifies from the checkpoint before them.
CREATE TABLE storage_audit_checkpoint (
    segment     BIGINT PRIMARY KEY NOT NULL,
    first_seq   BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL,
    last_hash   TEXT NOT NULL,
    last_at     TIMESTAMPTZ NOT NULL,
    signature   TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_org_unit (
    id          UUID PRIMARY KEY,
    parent_id   UUID REFERENCES identity_org_unit (id),
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_account (
    id                 UUID PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('staff', 'citizen')),
    email              TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    password_hash      TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('unverified', 'active', 'disabled')),
    org_unit_id        UUID REFERENCES identity_org_unit (id),
    totp_secret        TEXT,
    totp_last_step     BIGINT,
    totp_enabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins      BIGINT NOT NULL DEFAULT 0,
    locked_until       TIMESTAMPTZ,
    email_verified_at  TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_role_grant (
    id           UUID PRIMARY KEY,
    account_id   UUID NOT NULL REFERENCES identity_account (id),
    org_unit_id  UUID NOT NULL REFERENCES identity_org_unit (id),
    role         TEXT NOT NULL CHECK (role IN ('clerk', 'manager', 'records_office', 'hr', 'staff_council', 'data_protection_officer', 'admin')),
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, org_unit_id, role)
);

CREATE TABLE identity_deputy (
    id            UUID PRIMARY KEY,
    principal_id  UUID NOT NULL REFERENCES identity_account (id),
    deputy_id     UUID NOT NULL REFERENCES identity_account (id),
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK (principal_id <> deputy_id),
    CHECK (starts_on <= ends_on)
);

-- Sessions are looked up by the SHA-256 of the cookie value, so a copy of
-- the database does not hand out live sessions.
CREATE TABLE identity_session (
    token_hash    BYTEA PRIMARY KEY,
    account_id    UUID NOT NULL REFERENCES identity_account (id),
    stage         TEXT NOT NULL CHECK (stage IN ('second_factor', 'complete')),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX identity_session_account ON identity_session (account_id);
CREATE INDEX identity_session_expires ON identity_session (expires_at);

CREATE TABLE identity_recovery_code (
    id          UUID PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES identity_account (id),
    code_hash   TEXT NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE TABLE identity_one_time_token (
    token_hash  BYTEA PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    account_id  UUID NOT NULL REFERENCES identity_account (id),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_login_attempt (
    id          UUID PRIMARY KEY,
    email       TEXT NOT NULL,
    address     TEXT NOT NULL,
    succeeded   BOOLEAN NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX identity_login_attempt_email ON identity_login_attempt (email, at);
CREATE INDEX identity_login_attempt_address ON identity_login_attempt (address, at);
CREATE INDEX identity_login_attempt_at ON identity_login_attempt (at);

CREATE TABLE identity_api_token (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    scopes        TEXT NOT NULL,
    created_by    UUID REFERENCES identity_account (id),
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ
);

-- Foundation: outbox/jobs, access log, identity (org units, accounts, roles,
-- deputies, sessions, one-time tokens, login attempts, API tokens).
-- Landed migrations are never edited; add a new file instead.

CREATE TABLE storage_job (
    id            BLOB PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    run_at        TEXT NOT NULL,
    locked_until  TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX storage_job_due ON storage_job (status, run_at);

-- Access log. Rows are appended unchained (chain_seq NULL) by the
-- transaction of a change; the single log writer assigns chain_seq and the
-- hashes in order and commits them in groups.
CREATE TABLE storage_audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_ids  TEXT NOT NULL,
    detail      TEXT NOT NULL,
    chain_seq   INTEGER UNIQUE,
    prev_hash   TEXT,
    hash        TEXT
);
CREATE INDEX storage_audit_log_unchained ON storage_audit_log (id) WHERE chain_seq IS NULL;

-- One signed checkpoint per closed segment of the chain: entries of old
-- segments can be deleted after their retention while the chain of the
-- remaining ones still verifies from the checkpoint before them.
CREATE TABLE storage_audit_checkpoint (
    segment     INTEGER PRIMARY KEY NOT NULL,
    first_seq   INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    last_hash   TEXT NOT NULL,
    last_at     TEXT NOT NULL,
    signature   TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE identity_org_unit (
    id          BLOB PRIMARY KEY NOT NULL,
    parent_id   BLOB REFERENCES identity_org_unit (id),
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE identity_account (
    id                 BLOB PRIMARY KEY NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('staff', 'citizen')),
    email              TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    password_hash      TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('unverified', 'active', 'disabled')),
    org_unit_id        BLOB REFERENCES identity_org_unit (id),
    totp_secret        TEXT,
    totp_last_step     INTEGER,
    totp_enabled       BOOLEAN NOT NULL DEFAULT 0,
    failed_logins      INTEGER NOT NULL DEFAULT 0,
    locked_until       TEXT,
    email_verified_at  TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE identity_role_grant (
    id           BLOB PRIMARY KEY NOT NULL,
    account_id   BLOB NOT NULL REFERENCES identity_account (id),
    org_unit_id  BLOB NOT NULL REFERENCES identity_org_unit (id),
    role         TEXT NOT NULL CHECK (role IN ('clerk', 'manager', 'records_office', 'hr', 'staff_council', 'data_protection_officer', 'admin')),
    created_at   TEXT NOT NULL,
    UNIQUE (account_id, org_unit_id, role)
);

CREATE TABLE identity_deputy (
    id            BLOB PRIMARY KEY NOT NULL,
    principal_id  BLOB NOT NULL REFERENCES identity_account (id),
    deputy_id     BLOB NOT NULL REFERENCES identity_account (id),
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK (principal_id <> deputy_id),
    CHECK (starts_on <= ends_on)
);

-- Sessions are looked up by the SHA-256 of the cookie value, so a copy of
-- the database does not hand out live sessions.
CREATE TABLE identity_session (
    token_hash    BLOB PRIMARY KEY NOT NULL,
    account_id    BLOB NOT NULL REFERENCES identity_account (id),
    stage         TEXT NOT NULL CHECK (stage IN ('second_factor', 'complete')),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);
CREATE INDEX identity_session_account ON identity_session (account_id);
CREATE INDEX identity_session_expires ON identity_session (expires_at);

CREATE TABLE identity_recovery_code (
    id          BLOB PRIMARY KEY NOT NULL,
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    code_hash   TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE identity_one_time_token (
    token_hash  BLOB PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE identity_login_attempt (
    id          BLOB PRIMARY KEY NOT NULL,
    email       TEXT NOT NULL,
    address     TEXT NOT NULL,
    succeeded   BOOLEAN NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX identity_login_attempt_email ON identity_login_attempt (email, at);
CREATE INDEX identity_login_attempt_address ON identity_login_attempt (address, at);
CREATE INDEX identity_login_attempt_at ON identity_login_attempt (at);

CREATE TABLE identity_api_token (
    id            BLOB PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    token_hash    BLOB NOT NULL UNIQUE,
    scopes        TEXT NOT NULL,
    created_by    BLOB REFERENCES identity_account (id),
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
);

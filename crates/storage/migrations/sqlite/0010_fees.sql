-- Fees and payments (cases context): the role of the treasury staff (Kasse),
-- the number range of treasury references (Kassenzeichen), fee claims on
-- cases, the exports that hand claims to the treasury, imported bank
-- statements (camt.053) and every payment read from them or reported by
-- the treasury, with what matching made of it.

-- SQLite cannot change a CHECK constraint: the role table is rebuilt with
-- the new role 'treasury'.
CREATE TABLE identity_role_grant_new (
    id           BLOB PRIMARY KEY NOT NULL,
    account_id   BLOB NOT NULL REFERENCES identity_account (id),
    org_unit_id  BLOB NOT NULL REFERENCES identity_org_unit (id),
    role         TEXT NOT NULL CHECK (role IN ('clerk', 'manager', 'records_office', 'hr', 'staff_council', 'data_protection_officer', 'admin', 'treasury')),
    created_at   TEXT NOT NULL,
    UNIQUE (account_id, org_unit_id, role)
);
INSERT INTO identity_role_grant_new (id, account_id, org_unit_id, role, created_at)
    SELECT id, account_id, org_unit_id, role, created_at FROM identity_role_grant;
DROP TABLE identity_role_grant;
ALTER TABLE identity_role_grant_new RENAME TO identity_role_grant;

-- Last number taken per prefix of the Kassenzeichen range; taken in the
-- transaction that makes the claim, so a rollback gives it back.
CREATE TABLE cases_fee_sequence (
    prefix  TEXT PRIMARY KEY NOT NULL,
    last    INTEGER NOT NULL
);

-- A batch of claims handed to the treasury; downloadable again.
CREATE TABLE cases_fee_export (
    id          BLOB PRIMARY KEY NOT NULL,
    claims      INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE cases_fee_claim (
    id            BLOB PRIMARY KEY NOT NULL,
    case_id       BLOB NOT NULL UNIQUE REFERENCES cases_case (id),
    -- Kassenzeichen; empty until the treasury assigns one (source 'treasury').
    reference     TEXT UNIQUE,
    amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
    paid_cents    INTEGER NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    purpose       TEXT NOT NULL,
    debtor        TEXT NOT NULL,
    address       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'paid', 'waived')),
    due_on        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    export_id     BLOB REFERENCES cases_fee_export (id),
    settled_at    TEXT,
    waive_reason  TEXT
);
CREATE INDEX cases_fee_claim_export ON cases_fee_claim (export_id);

CREATE TABLE cases_bank_statement (
    id            BLOB PRIMARY KEY NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    version       TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    -- The statements (Stmt/Id) and accounts of the file, comma-separated.
    statements    TEXT NOT NULL,
    accounts      TEXT NOT NULL,
    entries       INTEGER NOT NULL,
    imported_by   TEXT NOT NULL,
    imported_at   TEXT NOT NULL
);

CREATE TABLE cases_payment (
    id            BLOB PRIMARY KEY NOT NULL,
    statement_id  BLOB REFERENCES cases_bank_statement (id),
    source        TEXT NOT NULL CHECK (source IN ('camt', 'treasury')),
    -- The bank's (or treasury's) identity of the entry: a second sight of
    -- the same entry is a duplicate.
    entry_key     TEXT NOT NULL,
    account       TEXT NOT NULL,
    booked_on     TEXT NOT NULL,
    amount_cents  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    payer         TEXT NOT NULL,
    remittance    TEXT NOT NULL,
    -- The Kassenzeichen found in the remittance information.
    reference     TEXT,
    -- The claim it was booked to; none while it is not booked.
    claim_id      BLOB REFERENCES cases_fee_claim (id),
    outcome       TEXT NOT NULL CHECK (outcome IN ('booked', 'partial', 'over', 'unknown', 'duplicate', 'currency')),
    resolution    TEXT CHECK (resolution IN ('assigned', 'done')),
    resolved_by   TEXT,
    resolved_at   TEXT,
    note          TEXT,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX cases_payment_entry ON cases_payment (account, entry_key) WHERE outcome <> 'duplicate';
CREATE INDEX cases_payment_claim ON cases_payment (claim_id);
CREATE INDEX cases_payment_open ON cases_payment (outcome, resolved_at);

-- Notices (Bescheide, cases context): the Typst template and legal remedy
-- text per case type, signing authority (Zeichnungsbefugnis) per org unit
-- and document kind, the notices of cases with their state, and the
-- internal Ed25519 signatures of decisions on document versions.

CREATE TABLE cases_notice_template (
    case_type_id  BLOB PRIMARY KEY NOT NULL REFERENCES cases_case_type (id),
    source        TEXT NOT NULL,
    remedy        TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- 'head' signs without addition, 'deputy' "In Vertretung", 'commissioned'
-- "Im Auftrag" (GGO § 18). Covers the unit and every unit below it.
CREATE TABLE cases_signing_authority (
    id             BLOB PRIMARY KEY NOT NULL,
    account_id     BLOB NOT NULL REFERENCES identity_account (id),
    org_unit_id    BLOB NOT NULL REFERENCES identity_org_unit (id),
    document_kind  TEXT NOT NULL CHECK (document_kind IN ('notice')),
    capacity       TEXT NOT NULL CHECK (capacity IN ('head', 'deputy', 'commissioned')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (account_id, org_unit_id, document_kind)
);

CREATE TABLE cases_notice (
    id                BLOB PRIMARY KEY NOT NULL,
    case_id           BLOB NOT NULL REFERENCES cases_case (id),
    state             TEXT NOT NULL CHECK (state IN ('rendering', 'draft', 'final_rendering', 'final', 'failed')),
    decision          TEXT NOT NULL,
    -- The E-Akte document holding its versions (draft, final).
    document_id       BLOB,
    draft_version_id  BLOB,
    final_version_id  BLOB,
    -- Why the last rendering failed (the template's errors).
    error             TEXT,
    signer_id         BLOB,
    signer_name       TEXT,
    capacity          TEXT CHECK (capacity IN ('head', 'deputy', 'commissioned')),
    signed_at         TEXT,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX cases_notice_case ON cases_notice (case_id);

CREATE TABLE cases_decision_signature (
    id           BLOB PRIMARY KEY NOT NULL,
    notice_id    BLOB NOT NULL REFERENCES cases_notice (id),
    version_id   BLOB NOT NULL,
    -- The signed statement (canonical JSON) and its parts.
    statement    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    account_id   BLOB NOT NULL,
    public_key   TEXT NOT NULL,
    signature    TEXT NOT NULL,
    signed_at    TEXT NOT NULL
);
CREATE INDEX cases_decision_signature_notice ON cases_decision_signature (notice_id);

-- Notices (Bescheide, cases context): the Typst template and legal remedy
-- text per case type, signing authority (Zeichnungsbefugnis) per org unit
-- and document kind, the notices of cases with their state, and the
-- internal Ed25519 signatures of decisions on document versions.

CREATE TABLE cases_notice_template (
    case_type_id  UUID PRIMARY KEY REFERENCES cases_case_type (id),
    source        TEXT NOT NULL,
    remedy        TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- 'head' signs without addition, 'deputy' "In Vertretung", 'commissioned'
-- "Im Auftrag" (GGO § 18). Covers the unit and every unit below it.
CREATE TABLE cases_signing_authority (
    id             UUID PRIMARY KEY,
    account_id     UUID NOT NULL REFERENCES identity_account (id),
    org_unit_id    UUID NOT NULL REFERENCES identity_org_unit (id),
    document_kind  TEXT NOT NULL CHECK (document_kind IN ('notice')),
    capacity       TEXT NOT NULL CHECK (capacity IN ('head', 'deputy', 'commissioned')),
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, org_unit_id, document_kind)
);

CREATE TABLE cases_notice (
    id                UUID PRIMARY KEY,
    case_id           UUID NOT NULL REFERENCES cases_case (id),
    state             TEXT NOT NULL CHECK (state IN ('rendering', 'draft', 'final_rendering', 'final', 'failed')),
    decision          TEXT NOT NULL,
    -- The E-Akte document holding its versions (draft, final).
    document_id       UUID,
    draft_version_id  UUID,
    final_version_id  UUID,
    -- Why the last rendering failed (the template's errors).
    error             TEXT,
    signer_id         UUID,
    signer_name       TEXT,
    capacity          TEXT CHECK (capacity IN ('head', 'deputy', 'commissioned')),
    signed_at         TIMESTAMPTZ,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_notice_case ON cases_notice (case_id);

CREATE TABLE cases_decision_signature (
    id           UUID PRIMARY KEY,
    notice_id    UUID NOT NULL REFERENCES cases_notice (id),
    version_id   UUID NOT NULL,
    -- The signed statement (canonical JSON) and its parts.
    statement    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    account_id   UUID NOT NULL,
    public_key   TEXT NOT NULL,
    signature    TEXT NOT NULL,
    signed_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_decision_signature_notice ON cases_decision_signature (notice_id);

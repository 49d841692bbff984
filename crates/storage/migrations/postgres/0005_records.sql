-- The E-Akte (records context): the file plan with retention rules, the
-- gap-free sequence behind file references, files, documents and their
-- immutable versions.

CREATE TABLE records_plan_node (
    id               UUID PRIMARY KEY,
    parent_id        UUID REFERENCES records_plan_node (id),
    code             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    retention_years  BIGINT NOT NULL CHECK (retention_years BETWEEN 0 AND 200),
    disposal         TEXT NOT NULL CHECK (disposal IN ('archive', 'destroy')),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- Next number per file-plan code and year. Taken in the transaction that
-- creates the file, so a rollback gives the number back: no gaps.
CREATE TABLE records_sequence (
    code  TEXT NOT NULL,
    year  BIGINT NOT NULL,
    last  BIGINT NOT NULL,
    PRIMARY KEY (code, year)
);

CREATE TABLE records_file (
    id            UUID PRIMARY KEY,
    plan_node_id  UUID NOT NULL REFERENCES records_plan_node (id),
    reference     TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    closed_at     TIMESTAMPTZ
);
CREATE INDEX records_file_node ON records_file (plan_node_id);

CREATE TABLE records_document (
    id          UUID PRIMARY KEY,
    file_id     UUID NOT NULL REFERENCES records_file (id),
    title       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX records_document_file ON records_document (file_id);

-- A version is never changed or overwritten (the trigger refuses updates).
-- sha256 is also the key of its content in the blob store.
CREATE TABLE records_version (
    id           UUID PRIMARY KEY,
    document_id  UUID NOT NULL REFERENCES records_document (id),
    number       BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    file_name    TEXT NOT NULL,
    author       TEXT NOT NULL,
    note         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (document_id, number)
);
CREATE FUNCTION records_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document versions are immutable';
END;
$$;
CREATE TRIGGER records_version_immutable BEFORE UPDATE ON records_version
    FOR EACH ROW EXECUTE FUNCTION records_version_immutable();

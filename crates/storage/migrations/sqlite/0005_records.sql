-- The E-Akte (records context): the file plan with retention rules, the
-- gap-free sequence behind file references, files, documents and their
-- immutable versions.

CREATE TABLE records_plan_node (
    id               BLOB PRIMARY KEY NOT NULL,
    parent_id        BLOB REFERENCES records_plan_node (id),
    code             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    retention_years  INTEGER NOT NULL CHECK (retention_years BETWEEN 0 AND 200),
    disposal         TEXT NOT NULL CHECK (disposal IN ('archive', 'destroy')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- Next number per file-plan code and year. Taken in the transaction that
-- creates the file, so a rollback gives the number back: no gaps.
CREATE TABLE records_sequence (
    code  TEXT NOT NULL,
    year  INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    PRIMARY KEY (code, year)
);

CREATE TABLE records_file (
    id            BLOB PRIMARY KEY NOT NULL,
    plan_node_id  BLOB NOT NULL REFERENCES records_plan_node (id),
    reference     TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX records_file_node ON records_file (plan_node_id);

CREATE TABLE records_document (
    id          BLOB PRIMARY KEY NOT NULL,
    file_id     BLOB NOT NULL REFERENCES records_file (id),
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX records_document_file ON records_document (file_id);

-- A version is never changed or overwritten (the trigger refuses updates).
-- sha256 is also the key of its content in the blob store.
CREATE TABLE records_version (
    id           BLOB PRIMARY KEY NOT NULL,
    document_id  BLOB NOT NULL REFERENCES records_document (id),
    number       INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    author       TEXT NOT NULL,
    note         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (document_id, number)
);
CREATE TRIGGER records_version_immutable BEFORE UPDATE ON records_version
BEGIN
    SELECT RAISE(ABORT, 'document versions are immutable');
END;

-- Service catalogue (Leistungskatalog): services, life situations and the
-- contact data of responsible org units. Org units belong to identity; they
-- are referred to by id without a foreign key across contexts.

CREATE TABLE catalogue_service (
    id                  UUID PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    short_description   TEXT NOT NULL,
    long_description    TEXT NOT NULL,
    leika_key           TEXT NOT NULL,
    life_situations     JSONB NOT NULL,
    prerequisites       JSONB NOT NULL,
    required_documents  JSONB NOT NULL,
    fee                 JSONB NOT NULL,
    processing_time     TEXT NOT NULL,
    legal_basis         JSONB NOT NULL,
    org_unit_id         UUID NOT NULL,
    maturity_level      BIGINT NOT NULL CHECK (maturity_level BETWEEN 0 AND 4),
    has_form            BOOLEAN NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft', 'published', 'unpublished')),
    revision            BIGINT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX catalogue_service_status ON catalogue_service (status, title);

CREATE TABLE catalogue_life_situation (
    slug         TEXT PRIMARY KEY NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    position     BIGINT NOT NULL
);

CREATE TABLE catalogue_contact (
    org_unit_id    UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    address        TEXT NOT NULL,
    opening_hours  TEXT NOT NULL,
    phone          TEXT NOT NULL,
    email          TEXT NOT NULL
);

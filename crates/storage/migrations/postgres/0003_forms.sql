-- Form versions per catalogue service. A published version never changes:
-- the store updates drafts only; publishing retires the version published
-- before. Submissions (later) record the version they were made with.

CREATE TABLE forms_version (
    id            UUID PRIMARY KEY,
    service_id    UUID NOT NULL,
    number        BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    definition    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    UNIQUE (service_id, number)
);
CREATE INDEX forms_version_service ON forms_version (service_id, status);

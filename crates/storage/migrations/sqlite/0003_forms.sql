-- Form versions per catalogue service. A published version never changes:
-- the store updates drafts only; publishing retires the version published
-- before. Submissions (later) record the version they were made with.

CREATE TABLE forms_version (
    id            BLOB PRIMARY KEY NOT NULL,
    service_id    BLOB NOT NULL,
    number        INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    definition    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    published_at  TEXT,
    UNIQUE (service_id, number)
);
CREATE INDEX forms_version_service ON forms_version (service_id, status);

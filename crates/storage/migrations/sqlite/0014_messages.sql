-- Messages between the applicant and the case, both directions. The text
-- and every attachment are also documents of the case file; the message
-- keeps the versions of its attachments (JSON list) so the applicant can
-- open exactly those and nothing else of the file.
CREATE TABLE cases_message (
    id           BLOB PRIMARY KEY NOT NULL,
    case_id      BLOB NOT NULL REFERENCES cases_case (id),
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    body         TEXT NOT NULL,
    attachments  TEXT NOT NULL,
    author       TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    read_at      TEXT
);
CREATE INDEX cases_message_case ON cases_message (case_id, created_at);

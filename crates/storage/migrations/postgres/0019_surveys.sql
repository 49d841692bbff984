-- Staff surveys (surveys context). Who took part and what was answered
-- live in separate tables that share no key, no time and no order: see
-- docs/surveys.md for the whole design the staff council can check.

-- state: 'draft' → 'open' → 'closed' → 'published'. The questions (JSON,
-- surveys::domain::Question) are frozen once the survey opens.
CREATE TABLE surveys_survey (
    id            UUID PRIMARY KEY,
    title         TEXT NOT NULL,
    intro         TEXT NOT NULL,
    questions     TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'published')),
    -- Everyone on the staff, or the units in surveys_audience_unit and
    -- the units below them.
    all_staff     BOOLEAN NOT NULL,
    opens_on      DATE,
    closes_on     DATE,
    -- No figure is shown for a group with fewer respondents (set by the
    -- staff council).
    min_group     BIGINT  NOT NULL DEFAULT 5 CHECK (min_group >= 2),
    -- Participants may change their answers (through a one-time secret)
    -- until the survey closes.
    allow_changes BOOLEAN NOT NULL,
    owner_id      UUID NOT NULL REFERENCES identity_account (id),
    owner_name    TEXT NOT NULL,
    reminded_on   DATE,
    published_by  TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE surveys_audience_unit (
    survey_id    UUID NOT NULL REFERENCES surveys_survey (id),
    org_unit_id  UUID NOT NULL REFERENCES identity_org_unit (id),
    PRIMARY KEY (survey_id, org_unit_id)
);

-- That a person took part: to refuse a second participation and to
-- remind only those who have not. No time, no reference to answers.
CREATE TABLE surveys_participation (
    survey_id   UUID NOT NULL REFERENCES surveys_survey (id),
    account_id  UUID NOT NULL REFERENCES identity_account (id),
    PRIMARY KEY (survey_id, account_id)
);

-- The ballot box: answer sets stored in the same transaction as the
-- participation (nothing acknowledged is lost), waiting to be mixed.
-- Random ids, the day at most, no person, no session, no request data.
CREATE TABLE surveys_ballot (
    id           UUID PRIMARY KEY,
    survey_id    UUID NOT NULL REFERENCES surveys_survey (id),
    answers      TEXT NOT NULL,
    -- SHA-256 of the one-time secret to change the answers (only when the
    -- survey allows changes); the secret itself is only with the person.
    change_hash  TEXT UNIQUE,
    day          DATE NOT NULL
);
CREATE INDEX surveys_ballot_survey ON surveys_ballot (survey_id);

-- Mixed answer sets: moved here from the ballot box in shuffled batches
-- under new random ids, so neither the order of rows nor the transaction
-- that wrote them points back to a participation.
CREATE TABLE surveys_response (
    id           UUID PRIMARY KEY,
    survey_id    UUID NOT NULL REFERENCES surveys_survey (id),
    answers      TEXT NOT NULL,
    change_hash  TEXT UNIQUE,
    day          DATE NOT NULL
);
CREATE INDEX surveys_response_survey ON surveys_response (survey_id);

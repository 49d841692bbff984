-- Mobile work (workplace context): the role of the IT service, the
-- service agreement in versions, enrolments, readiness, devices and VPN
-- grants, skills, locations and team settings, consultation-hours slots,
-- absences, presence plans with change requests, desk bookings and
-- private calendar links.

-- SQLite cannot change a CHECK constraint: the role table is rebuilt with
-- the new role 'it_service'.
CREATE TABLE identity_role_grant_new (
    id           BLOB PRIMARY KEY NOT NULL,
    account_id   BLOB NOT NULL REFERENCES identity_account (id),
    org_unit_id  BLOB NOT NULL REFERENCES identity_org_unit (id),
    role         TEXT NOT NULL CHECK (role IN ('clerk', 'manager', 'records_office', 'hr', 'staff_council', 'data_protection_officer', 'admin', 'treasury', 'it_service')),
    created_at   TEXT NOT NULL,
    UNIQUE (account_id, org_unit_id, role)
);
INSERT INTO identity_role_grant_new (id, account_id, org_unit_id, role, created_at)
    SELECT id, account_id, org_unit_id, role, created_at FROM identity_role_grant;
DROP TABLE identity_role_grant;
ALTER TABLE identity_role_grant_new RENAME TO identity_role_grant;

-- The service agreement (Dienstvereinbarung), one row per version; the
-- newest whose valid_from has come applies. Exclusions: JSON list of
-- {"unit": uuid, "eligibility": "excluded"|"partial", "tasks": text}.
CREATE TABLE workplace_agreement (
    version              INTEGER PRIMARY KEY NOT NULL,
    valid_from           TEXT NOT NULL,
    max_mobile_permille  INTEGER NOT NULL CHECK (max_mobile_permille BETWEEN 0 AND 1000),
    core_start           TEXT NOT NULL,
    core_end             TEXT NOT NULL,
    notice_days          INTEGER NOT NULL CHECK (notice_days >= 0),
    training_months      INTEGER NOT NULL CHECK (training_months > 0),
    exclusions           TEXT NOT NULL,
    -- Who sees a person's plan besides them: 'manager' (and deputies of
    -- the manager) or 'team' (also the colleagues of the team).
    visibility           TEXT NOT NULL CHECK (visibility IN ('manager', 'team')),
    plan_retention_days  INTEGER NOT NULL CHECK (plan_retention_days > 0),
    min_group            INTEGER NOT NULL CHECK (min_group >= 2),
    created_by           TEXT NOT NULL,
    created_at           TEXT NOT NULL
);

-- The first version: the Stuttgart agreement's figures (up to 40 % of the
-- working time per month), until HR sets its own.
INSERT INTO workplace_agreement (version, valid_from, max_mobile_permille, core_start, core_end, notice_days, training_months, exclusions, visibility, plan_retention_days, min_group, created_by, created_at)
VALUES (1, '2020-01-01', 400, '09:00', '15:00', 14, 24, '[]', 'manager', 365, 5, 'rathaus', '2026-01-01T00:00:00+00:00');

-- A person's enrolment in mobile work under one agreement version.
CREATE TABLE workplace_enrolment (
    id                 BLOB PRIMARY KEY NOT NULL,
    account_id         BLOB NOT NULL REFERENCES identity_account (id),
    org_unit_id        BLOB NOT NULL REFERENCES identity_org_unit (id),
    agreement_version  INTEGER NOT NULL REFERENCES workplace_agreement (version),
    -- Contractual working time (part-time counts by its own hours).
    weekly_minutes     INTEGER NOT NULL CHECK (weekly_minutes > 0),
    -- ISO weekdays worked, e.g. '1,2,3,4,5'.
    work_days          TEXT NOT NULL,
    note               TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('applied', 'approved', 'declined', 'revoked')),
    reason             TEXT NOT NULL,
    decided_by         TEXT,
    decided_at         TEXT,
    revoked_by         TEXT,
    -- The last day of mobile work after a revocation (notice period).
    ends_on            TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX workplace_enrolment_open ON workplace_enrolment (account_id) WHERE state IN ('applied', 'approved');
CREATE INDEX workplace_enrolment_unit ON workplace_enrolment (org_unit_id, state);
CREATE INDEX workplace_enrolment_account ON workplace_enrolment (account_id);
-- Teams are read by home unit (a planner instance per team).
CREATE INDEX identity_account_unit ON identity_account (org_unit_id);

-- Readiness items confirmed by someone; device and VPN access are read
-- from the inventory and the grants instead.
CREATE TABLE workplace_readiness (
    account_id    BLOB NOT NULL REFERENCES identity_account (id),
    item          TEXT NOT NULL CHECK (item IN ('agreement_signed', 'privacy_training', 'security_training', 'self_check')),
    confirmed_on  TEXT NOT NULL,
    valid_until   TEXT,
    confirmed_by  TEXT NOT NULL,
    PRIMARY KEY (account_id, item)
);

CREATE TABLE workplace_device (
    id              BLOB PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('notebook', 'smartphone', 'tablet')),
    model           TEXT NOT NULL,
    serial          TEXT NOT NULL UNIQUE,
    inventory_no    TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('in_stock', 'issued', 'in_repair', 'retired')),
    holder_id       BLOB REFERENCES identity_account (id),
    -- When the holder confirmed receipt (NULL: not yet).
    acknowledged_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX workplace_device_holder ON workplace_device (holder_id);
CREATE INDEX workplace_device_kind ON workplace_device (kind, state);

-- The history of a device (and, by account_id, of a person's devices).
CREATE TABLE workplace_device_event (
    id          BLOB PRIMARY KEY NOT NULL,
    device_id   BLOB NOT NULL REFERENCES workplace_device (id),
    event       TEXT NOT NULL CHECK (event IN ('added', 'imported', 'issued', 'acknowledged', 'returned', 'repair', 'repaired', 'retired')),
    account_id  BLOB,
    by_name     TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX workplace_device_event_device ON workplace_device_event (device_id, at);
CREATE INDEX workplace_device_event_account ON workplace_device_event (account_id, at);

CREATE TABLE workplace_vpn_grant (
    id          BLOB PRIMARY KEY NOT NULL,
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT,
    granted_by  TEXT NOT NULL,
    revoked_by  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX workplace_vpn_grant_account ON workplace_vpn_grant (account_id);

-- Skills a manager has given (qualify for consultation-hours slots).
CREATE TABLE workplace_skill (
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    skill       TEXT NOT NULL,
    given_by    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, skill)
);

CREATE TABLE workplace_location (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    desks       INTEGER NOT NULL CHECK (desks >= 0),
    created_at  TEXT NOT NULL
);

-- Planning settings of a team (an org unit).
CREATE TABLE workplace_team (
    org_unit_id  BLOB PRIMARY KEY NOT NULL REFERENCES identity_org_unit (id),
    location_id  BLOB REFERENCES workplace_location (id),
    rotation     BOOLEAN NOT NULL,
    updated_at   TEXT NOT NULL
);

-- A person's planning wishes and rotation cohort.
CREATE TABLE workplace_person (
    account_id    BLOB PRIMARY KEY NOT NULL REFERENCES identity_account (id),
    cohort        INTEGER,
    office_days   TEXT NOT NULL,
    mobile_days   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- A weekly consultation-hours slot of a unit.
CREATE TABLE workplace_slot (
    id           BLOB PRIMARY KEY NOT NULL,
    org_unit_id  BLOB NOT NULL REFERENCES identity_org_unit (id),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    label        TEXT NOT NULL,
    skill        TEXT NOT NULL,
    min_people   INTEGER NOT NULL CHECK (min_people > 0),
    created_at   TEXT NOT NULL
);
CREATE INDEX workplace_slot_unit ON workplace_slot (org_unit_id);

CREATE TABLE workplace_absence (
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('leave', 'sick', 'training', 'other')),
    PRIMARY KEY (account_id, day)
);

-- A presence plan of a team for a period; plans of a team never overlap.
CREATE TABLE workplace_plan (
    id           BLOB PRIMARY KEY NOT NULL,
    org_unit_id  BLOB NOT NULL REFERENCES identity_org_unit (id),
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    -- Raised by every change: an edit names the revision it was made on.
    revision     INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    published_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX workplace_plan_unit ON workplace_plan (org_unit_id, starts_on);

CREATE TABLE workplace_plan_cell (
    plan_id     BLOB NOT NULL REFERENCES workplace_plan (id) ON DELETE CASCADE,
    account_id  BLOB NOT NULL,
    day         TEXT NOT NULL,
    presence    TEXT NOT NULL CHECK (presence IN ('on_site', 'mobile', 'absent', 'off')),
    PRIMARY KEY (plan_id, account_id, day)
);
CREATE INDEX workplace_plan_cell_person ON workplace_plan_cell (account_id, day);

CREATE TABLE workplace_change_request (
    id          BLOB PRIMARY KEY NOT NULL,
    plan_id     BLOB NOT NULL REFERENCES workplace_plan (id) ON DELETE CASCADE,
    account_id  BLOB NOT NULL,
    day         TEXT NOT NULL,
    wanted      TEXT NOT NULL CHECK (wanted IN ('on_site', 'mobile')),
    note        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'declined')),
    answer      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    decided_at  TEXT
);
CREATE INDEX workplace_change_request_plan ON workplace_change_request (plan_id, state);

CREATE TABLE workplace_desk_booking (
    id           BLOB PRIMARY KEY NOT NULL,
    location_id  BLOB NOT NULL REFERENCES workplace_location (id),
    day          TEXT NOT NULL,
    account_id   BLOB NOT NULL REFERENCES identity_account (id),
    created_at   TEXT NOT NULL,
    UNIQUE (account_id, day)
);
CREATE INDEX workplace_desk_booking_day ON workplace_desk_booking (location_id, day);

-- Private calendar links: only the SHA-256 of the secret is kept.
CREATE TABLE workplace_calendar_feed (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    owner_kind   TEXT NOT NULL CHECK (owner_kind IN ('person', 'team')),
    owner_id     BLOB NOT NULL,
    created_by   BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (owner_kind, owner_id, created_by)
);

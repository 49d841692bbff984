-- Team rooms (rooms context): rooms of org units, projects, communities,
-- the intranet and direct messages; explicit memberships; chat messages
-- with threads, their earlier versions, mentions and read marks.

-- kind: 'team' (one per org unit; members follow the org tree), 'project'
-- (private, by invitation), 'community' (open: anyone may join),
-- 'intranet' (readable by all staff), 'direct' (two people).
CREATE TABLE rooms_room (
    id           BLOB PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('team', 'project', 'community', 'intranet', 'direct')),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    org_unit_id  BLOB UNIQUE REFERENCES identity_org_unit (id),
    -- The two accounts of a direct room, smaller id first: one room per pair.
    direct_key   TEXT UNIQUE,
    -- The sequence number of the room's newest message (raised in the
    -- transaction that stores the message: the order every reader sees).
    last_seq     INTEGER NOT NULL DEFAULT 0,
    archived_at  TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Explicit members (projects, communities, direct rooms; in team rooms
-- only people added beyond the org tree, e.g. a reader from another unit).
CREATE TABLE rooms_member (
    room_id     BLOB NOT NULL REFERENCES rooms_room (id),
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    role        TEXT NOT NULL CHECK (role IN ('owner', 'member', 'reader')),
    added_by    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (room_id, account_id)
);
CREATE INDEX rooms_member_account ON rooms_member (account_id);

CREATE TABLE rooms_message (
    id          BLOB PRIMARY KEY NOT NULL,
    room_id     BLOB NOT NULL REFERENCES rooms_room (id),
    seq         INTEGER NOT NULL,
    author_id   BLOB NOT NULL REFERENCES identity_account (id),
    author_name TEXT NOT NULL,
    -- The thread's first message, for a reply.
    parent_id   BLOB REFERENCES rooms_message (id),
    body        TEXT NOT NULL,
    -- Chosen by the sender's browser or API client per message: a resend
    -- after a dropped connection finds the stored message, never a second.
    client_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    edited_at   TEXT,
    deleted_at  TEXT,
    UNIQUE (room_id, seq),
    UNIQUE (author_id, client_key)
);
CREATE INDEX rooms_message_parent ON rooms_message (parent_id);

-- The text a message had before each edit.
CREATE TABLE rooms_message_version (
    message_id  BLOB NOT NULL REFERENCES rooms_message (id),
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    PRIMARY KEY (message_id, version)
);

CREATE TABLE rooms_mention (
    message_id  BLOB NOT NULL REFERENCES rooms_message (id),
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    PRIMARY KEY (message_id, account_id)
);

-- How far a person has read in a room (unread = last_seq − read_seq).
CREATE TABLE rooms_read (
    room_id     BLOB NOT NULL REFERENCES rooms_room (id),
    account_id  BLOB NOT NULL REFERENCES identity_account (id),
    read_seq    INTEGER NOT NULL,
    PRIMARY KEY (room_id, account_id)
);

-- Wiki pages in Markdown: the current text and every earlier revision.
-- An edit names the revision it was made on; a stale one is a conflict.
CREATE TABLE rooms_wiki_page (
    id          BLOB PRIMARY KEY NOT NULL,
    room_id     BLOB NOT NULL REFERENCES rooms_room (id),
    slug        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    pinned      INTEGER NOT NULL DEFAULT 0,
    updated_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (room_id, slug)
);

CREATE TABLE rooms_wiki_revision (
    page_id     BLOB NOT NULL REFERENCES rooms_wiki_page (id),
    revision    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    author_id   BLOB NOT NULL REFERENCES identity_account (id),
    author_name TEXT NOT NULL,
    -- A restore names the revision it brought back.
    restored_from INTEGER,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (page_id, revision)
);

-- News posts (the intranet, and any room) with comments.
CREATE TABLE rooms_post (
    id          BLOB PRIMARY KEY NOT NULL,
    room_id     BLOB NOT NULL REFERENCES rooms_room (id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    author_id   BLOB NOT NULL REFERENCES identity_account (id),
    author_name TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX rooms_post_room ON rooms_post (room_id, created_at);

CREATE TABLE rooms_comment (
    id          BLOB PRIMARY KEY NOT NULL,
    post_id     BLOB NOT NULL REFERENCES rooms_post (id),
    author_id   BLOB NOT NULL REFERENCES identity_account (id),
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX rooms_comment_post ON rooms_comment (post_id, created_at);

-- E-Akte files a room works on (opening one checks the file's own
-- permissions).
CREATE TABLE rooms_file_link (
    room_id     BLOB NOT NULL REFERENCES rooms_room (id),
    file_id     BLOB NOT NULL,
    title       TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (room_id, file_id)
);

-- Scheduled video meetings; the Jitsi room name is random (unguessable).
CREATE TABLE rooms_meeting (
    id           BLOB PRIMARY KEY NOT NULL,
    room_id      BLOB NOT NULL REFERENCES rooms_room (id),
    title        TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    jitsi_room   TEXT NOT NULL UNIQUE,
    organiser_id BLOB NOT NULL REFERENCES identity_account (id),
    -- A video consultation on a case: its applicant may join too.
    case_id      BLOB,
    created_at   TEXT NOT NULL
);
CREATE INDEX rooms_meeting_room ON rooms_meeting (room_id, starts_at);

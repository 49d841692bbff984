-- The citizen's mailbox (mailbox context): deliveries of notices, by
-- retrieval from the portal (§ 41 (2a) VwVfG, with consent) or by post,
-- with every date the law attaches consequences to.

CREATE TABLE mailbox_delivery (
    id                 UUID PRIMARY KEY,
    -- The case and notice in the cases context (ids only).
    case_id            UUID NOT NULL,
    notice_id          UUID NOT NULL,
    -- The citizen's account (portal); none for post to applicants without one.
    account_id         UUID REFERENCES identity_account (id),
    channel            TEXT NOT NULL CHECK (channel IN ('portal', 'post')),
    state              TEXT NOT NULL CHECK (state IN ('available', 'retrieved', 'lapsed', 'posted')),
    title              TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    media_type         TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    made_available_at  TIMESTAMPTZ NOT NULL,
    -- When the e-mail saying something is waiting was handed to the outbox.
    mail_sent_at       TIMESTAMPTZ,
    retrieved_at       TIMESTAMPTZ,
    -- The day the notice counts as notified (Bekanntgabe).
    notified_on        DATE,
    lapsed_at          TIMESTAMPTZ,
    posted_on          DATE,
    created_by         TEXT NOT NULL
);
CREATE INDEX mailbox_delivery_account ON mailbox_delivery (account_id, made_available_at);
CREATE INDEX mailbox_delivery_case ON mailbox_delivery (case_id);
CREATE INDEX mailbox_delivery_open ON mailbox_delivery (state, mail_sent_at);

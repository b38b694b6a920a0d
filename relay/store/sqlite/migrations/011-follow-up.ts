// Relay store migration 11: campaign tags and follow-up messages (relay/store/follow-up-types.ts).
import type { Migration } from '../../../../shared/server/migrate'

export const m011FollowUp: Migration = {
  version: 11,
  name: 'follow-up',
  up: `
      -- One row per visitor per campaign, written by the follow-up worker (never by a push):
      -- the tag's and the message's state, errcode of a permanent failure, attempts, and when
      -- the next attempt is due. A NULL state: the campaign has no tag / no follow-up.
      CREATE TABLE follow_up_visitors (
        campaign_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        scanned_at INTEGER NOT NULL,
        tag_state TEXT CHECK (tag_state IN ('pending', 'tagged', 'failed')),
        tag_errcode INTEGER NOT NULL DEFAULT 0,
        tag_attempts INTEGER NOT NULL DEFAULT 0,
        tag_due_at INTEGER NOT NULL DEFAULT 0,
        msg_state TEXT
          CHECK (msg_state IN ('pending', 'sending', 'sent', 'outside-window', 'failed')),
        msg_errcode INTEGER NOT NULL DEFAULT 0,
        msg_attempts INTEGER NOT NULL DEFAULT 0,
        msg_due_at INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (campaign_id, openid)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX follow_up_tag_due ON follow_up_visitors (campaign_id, tag_state, tag_due_at);
      CREATE INDEX follow_up_msg_due ON follow_up_visitors (campaign_id, msg_state, msg_due_at);

      -- Per kiosk, the last attendance seq turned into visitor rows above.
      CREATE TABLE follow_up_cursors (
        kiosk_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- The WeChat tag found or created for each campaign (name: the campaign's tag then).
      CREATE TABLE follow_up_tags (
        campaign_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        tag_id INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- The worker's lease: one relay process at a time sends.
      CREATE TABLE follow_up_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
  `,
}

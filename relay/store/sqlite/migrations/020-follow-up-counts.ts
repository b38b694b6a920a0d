// Relay store migration 20: the console's follow-up report read from counters and an index of
// failures kept with every visitor write (relay/store/sqlite/follow-up.ts `counts`,
// `failures`), not counted over every visitor of the campaign on each poll.
import type { Migration } from '../../../../shared/server/migrate'

const COUNTERS = [
  'tagged',
  'pending',
  'failed',
  'retagged',
  'sent',
  'outside_window',
  'message_failed',
  'message_pending',
] as const

/**
 * One visitor row's part of each counter (`r`: NEW or OLD), in COUNTERS' order, as
 * relay/store/follow-up-types.ts `followUpCountFields` counts it (IS: a NULL state is 0).
 */
const parts = (r: string): string[] => [
  `${r}.tag_state IS 'tagged'`,
  `${r}.tag_state IS 'pending'`,
  `${r}.tag_state IS 'failed'`,
  `(${r}.tag_state IS 'tagged' AND ${r}.tag_attempts > 1)`,
  `${r}.msg_state IS 'sent'`,
  `${r}.msg_state IS 'outside-window'`,
  `${r}.msg_state IS 'failed'`,
  `(${r}.msg_state IS 'pending' OR ${r}.msg_state IS 'sending')`,
]

/** Adds (`sign` 1) or takes away (-1) one visitor row's part from its campaign's counters. */
const apply = (r: string, sign: 1 | -1): string => `
        INSERT INTO follow_up_counts (campaign_id, ${COUNTERS.join(', ')})
        SELECT ${r}.campaign_id, ${parts(r)
          .map((e) => `${sign} * (${e})`)
          .join(', ')} WHERE true
        ON CONFLICT (campaign_id) DO UPDATE SET
          ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')};`

export const m020FollowUpCounts: Migration = {
  version: 20,
  name: 'follow-up-counts',
  up: `
      -- Per campaign, the follow-up report's counters, kept by the triggers below in the
      -- transaction of each visitor write (so always equal to a count of the visitors).
      CREATE TABLE follow_up_counts (
        campaign_id TEXT PRIMARY KEY,
        tagged INTEGER NOT NULL,
        pending INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        retagged INTEGER NOT NULL,
        sent INTEGER NOT NULL,
        outside_window INTEGER NOT NULL,
        message_failed INTEGER NOT NULL,
        message_pending INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO follow_up_counts (campaign_id, ${COUNTERS.join(', ')})
      SELECT v.campaign_id, ${parts('v')
        .map((e) => `sum(${e})`)
        .join(', ')}
      FROM follow_up_visitors AS v GROUP BY v.campaign_id;
      CREATE TRIGGER follow_up_counts_insert AFTER INSERT ON follow_up_visitors BEGIN
        ${apply('NEW', 1)}
      END;
      CREATE TRIGGER follow_up_counts_update AFTER UPDATE ON follow_up_visitors BEGIN
        ${apply('OLD', -1)}
        ${apply('NEW', 1)}
      END;
      CREATE TRIGGER follow_up_counts_delete AFTER DELETE ON follow_up_visitors BEGIN
        ${apply('OLD', -1)}
      END;
      -- The report's failures, oldest scan first: read up to its limit, not found among all.
      CREATE INDEX follow_up_failures ON follow_up_visitors (campaign_id, scanned_at, openid)
        WHERE tag_state = 'failed' OR msg_state IN ('failed', 'outside-window');
  `,
}

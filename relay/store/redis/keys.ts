/**
 * Every Redis key the relay uses, built in this one place so that each script's keys share a
 * Redis Cluster hash slot. Redis hashes only the text between the first `{` and the next `}`:
 *
 * - per kiosk, `{<prefix>k:<kioskId>}:…` — its hash, stream, ack history, connection
 *   generation, fallback code and lease, daily ticket budget, and the de-dup keys of its events. An event id is a
 *   hash of WeChat's retry key, which includes the scene (shared/wechat/push.ts `dedupKey`),
 *   and a scene names one kiosk, so de-duplicating inside the kiosk's slot sees every retry;
 * - per campaign, `{<prefix>c:<campaignId>}:…` (for keys a campaign's scripts touch together);
 * - the kiosk index (the id set and the scene-range sorted set) `{<prefix>g}:…`, one slot;
 * - unrouted pushes and their de-dup keys `{<prefix>u}:…`, one slot;
 * - single-key values that no script combines (replay-guard claims, WeChat access tokens, the
 *   health probe, organizers, console sessions, login attempts, the pairing-code index) carry no tag, so they spread over the whole cluster.
 *
 * On a single Redis the braces change nothing. Ids must not contain braces (kiosk ids are
 * `[a-z0-9-]`; the prefix and campaign ids are checked here).
 */

/** `{`/`}` would move the hash tag and put a kiosk's keys in different slots. */
function tagSafe(what: string, s: string): string {
  if (/[{}]/.test(s)) throw new RangeError(`${what} must not contain { or }: ${JSON.stringify(s)}`)
  return s
}

export interface RedisKeys {
  /** Hash: tokenHash, epoch, headSeq, ackedSeq, ticketProxy, ranges, createdAt, revokedAt. */
  kiosk(kioskId: string): string
  /** Stream of the kiosk's events, entry ids `<seq>-0`. */
  stream(kioskId: string): string
  /** Sorted set: member = acked seq, score = when that ack arrived. */
  acks(kioskId: string): string
  connectionGeneration(kioskId: string): string
  /** De-dup of one event stored for this kiosk; value `<kioskId> <seq> <campaignId>` ('' for none). */
  dedup(kioskId: string, eventId: string): string
  fallbackCode(kioskId: string): string
  /**
   * The openid that first scanned the kiosk's per-visitor scene `scene` (`claimsScene`),
   * expiring after SCENE_CLAIM_TTL_SECONDS.
   */
  sceneClaim(kioskId: string, scene: string): string
  fallbackLease(kioskId: string): string
  /** Tickets the kiosk took of its daily budget in quota day `day` (YYYY-MM-DD, Beijing). */
  ticketBudget(kioskId: string, day: string): string
  /**
   * Hash: seq → the pseudonym of a visitor erased from the row's campaign (erasures.ts): the
   * kiosk's queue entry and attendance row of that seq are read with it in place of the openid.
   */
  erasedSeqs(kioskId: string): string
  /** The console's per-kiosk state: last seen, connected since, campaign, version. */
  kioskMeta(kioskId: string): string
  /** Sorted set: the kiosk's live links replaced lately (score: when), its identity conflict. */
  kioskReplaced(kioskId: string): string
  /** The kiosk's current pairing code (hash, expiry, used); redeemed with the kiosk hash. */
  pairingCode(kioskId: string): string
  /** A code of the kiosk that was used (its record may be superseded by a newer code). */
  pairingUsed(kioskId: string, codeHash: string): string
  /** Pairing code hash → kiosk id (one key each: looked up before the kiosk is known). */
  pairingIndex(codeHash: string): string
  organizer(name: string): string
  /** Set of every organizer name. */
  organizers: string
  consoleSession(idHash: string): string
  loginAttempts(key: string): string
  /** The relay's own secret for a purpose (the console's device-cookie key); never expires. */
  relaySecret(purpose: string): string
  /** The kiosk's consolidated attendance (rows stream, counters, search indexes), its slot. */
  attendance(kioskId: string): {
    rows: string
    stats: string
    visitors: string
    openids: string
    scenes: string
    /** Hash: `<campaignId>\0<openid>` → the visitor's scans here in that campaign. */
    campaignVisitors: string
  }
  /**
   * Visitors and the scans per slot across kiosks, one slot (`{<prefix>attendance}`), written
   * together by the push; `counted(eventId)`: a Cluster push's marker that its slot was counted.
   */
  attendanceVisitors: { people: string; totals: string; counted(eventId: string): string }
  /** `{<prefix>c:<id>}`: prefix for every key of one campaign (`${campaignTag(id)}:name`). */
  campaignTag(campaignId: string): string
  /** Hash: campaign (JSON with its screen key), version, updatedAt, lastNumber. */
  campaign(campaignId: string): string
  /** Hash: openid → the visitor's check-in number in the campaign. */
  campaignVisitors(campaignId: string): string
  /** Hash: openid → id of the push that took the visitor's number. */
  campaignFirsts(campaignId: string): string
  /** Hash: openid → id of the visitor's second scan in the campaign (a returning visitor). */
  campaignReturning(campaignId: string): string
  /** String `done` once the campaign counters of rows stored before them are built. */
  campaignCountersBackfill: string
  /** List of the roster's entries (JSON), in upload order; rosterVersion/Total in the hash. */
  campaignRoster(campaignId: string): string
  /** A roster being uploaded, renamed over `campaignRoster` when whole (`tmp`: random). */
  campaignRosterNext(campaignId: string, tmp: string): string
  /** Hash: registration id → `{"openid","at"}`. */
  campaignBindings(campaignId: string): string
  /** Hash: openid → registration id (the other side of `campaignBindings`). */
  campaignBindingOpenids(campaignId: string): string
  /** Set: the kiosk ids the visitor stamped in the campaign's rally (STAMP). */
  campaignStamps(campaignId: string, openid: string): string
  /** Hash: openid → when the visitor completed the campaign's rally (STAMP). */
  campaignStampCompletions(campaignId: string): string
  /** Hash: draw id → the draw's record (JSON), redraws included. */
  campaignDraws(campaignId: string): string
  /** The campaign's draw version, the fence COMMIT_DRAW checks (draw-types.ts). */
  campaignDrawVersion(campaignId: string): string
  /**
   * List of the campaign's erasure audit lines (JSON `{"by","at","visitor"}`, `visitor` the
   * tombstone), newest first.
   */
  campaignErasures(campaignId: string): string
  /**
   * Hash: sha256 of `<campaignId>\0<openid>` → the pseudonym of an erasure whose kiosks' steps
   * are not all done yet (erasures.ts), so the erasure called again goes on with the same one.
   */
  campaignErasing(campaignId: string): string
  /**
   * Hash: the same hash → what the relay needs to finish that erasure on its own (JSON
   * `{"openid","by","at"}`), written with the pending record and gone with it (erasures.ts
   * `resumeUnfinished`).
   */
  campaignErasingWho(campaignId: string): string
  /**
   * Hash: tombstone → the visitor's latest erasure time in the campaign (erasures.ts
   * `erasedAt`), kept by each erasure's last step beside its audit line; built from the audit
   * lines the first time it is read (erasures from before it had none), then the field `-built`.
   */
  campaignTombstones(campaignId: string): string
  /** Set of every campaign id (no script combines it with a campaign's keys). */
  campaigns: string
  /** The relay-wide version clock of campaigns and assignments (campaign-types.ts). */
  campaignClock: string
  /** Set of every kiosk id. */
  kiosks: string
  /**
   * Hash: kiosk id → '1' for every kiosk whose `erasedSeqs` may hold a seq (written before the
   * first seq goes there, never taken back), and the field ERASED_KIOSKS_BUILT once the kiosks
   * erased before it was kept are in (attendance.ts `pseudonymsOf`).
   */
  erasedKiosks: string
  /** Sorted set of integer scene ranges: member `<kioskId>:<lo>:<hi>`, score lo. */
  ranges: string
  unrouted: string
  unroutedDedup(eventId: string): string
  signedQuery(key: string): string
  wechatToken(appId: string): string
  healthProbe: string
  /**
   * A random id set once, by the first relay on this Redis (never expires): a relay that finds
   * it gone or changed knows Redis lost its data under it (store.ts `probeWrite`).
   */
  storeId: string
  /**
   * The layout the data is kept in (migrate-layout.ts `REDIS_LAYOUT`), set by the first relay
   * that knows it: a relay refuses to start on a Redis marked with a layout newer than its own.
   */
  layout: string
  /** The pub/sub channel of store changes (a channel, not a key: no slot). */
  channel: string
  /** Follow-up work (relay/store/redis/follow-up.ts): per campaign, in the campaign's slot. */
  followUp(campaignId: string): {
    /** Hash: openid → the visitor's follow-up state (JSON). */
    visitors: string
    /** Sorted sets of openids whose tag / message is pending, scored by when it is due. */
    tagDue: string
    messageDue: string
    /** Set of openids whose message was being sent. */
    sending: string
    /** The campaign's WeChat tag (JSON `{"name","id"}`). */
    tag: string
    /**
     * Hash: the report's counters (`FollowUpCounts` fields), kept by every visitor write once
     * `built` is set (the first report read builds it from the visitors).
     */
    counts: string
    /** Sorted set of openids in the report's failures, scored by scan time (with `counts`). */
    failed: string
    /** Visitor writes made before `counts` was built (the build's compare-and-set). */
    countsGen: string
  }
  /** The last attendance seq of the kiosk the follow-up worker has read. */
  followUpCursor(kioskId: string): string
  /** The follow-up worker's lease (one instance at a time). */
  followUpLease: string
}

export function redisKeys(prefix: string): RedisKeys {
  const p = tagSafe('Redis key prefix', prefix)
  const k = (id: string): string => `{${p}k:${tagSafe('kiosk id', id)}}`
  return {
    kiosk: (id) => `${k(id)}:kiosk`,
    stream: (id) => `${k(id)}:stream`,
    acks: (id) => `${k(id)}:acks`,
    connectionGeneration: (id) => `${k(id)}:connection-generation`,
    dedup: (id, eventId) => `${k(id)}:dedup:${eventId}`,
    fallbackCode: (id) => `${k(id)}:fallback-code`,
    sceneClaim: (id, scene) => `${k(id)}:scene:${scene}`,
    fallbackLease: (id) => `${k(id)}:fallback-lease`,
    ticketBudget: (id, day) => `${k(id)}:ticket-budget:${tagSafe('quota day', day)}`,
    erasedSeqs: (id) => `${k(id)}:erased-seqs`,
    kioskMeta: (id) => `${k(id)}:meta`,
    kioskReplaced: (id) => `${k(id)}:replaced`,
    pairingCode: (id) => `${k(id)}:pairing-code`,
    pairingUsed: (id, hash) => `${k(id)}:pairing-used:${hash}`,
    pairingIndex: (hash) => `${p}pairing:${hash}`,
    organizer: (name) => `${p}organizer:${name}`,
    organizers: `${p}organizers`,
    consoleSession: (idHash) => `${p}console-session:${idHash}`,
    loginAttempts: (key) => `${p}login-attempts:${key}`,
    relaySecret: (purpose) => `${p}relay-secret:${purpose}`,
    attendance: (id) => ({
      rows: `${k(id)}:attendance`,
      stats: `${k(id)}:attendance-stats`,
      visitors: `${k(id)}:attendance-visitors`,
      openids: `${k(id)}:attendance-openids`,
      scenes: `${k(id)}:attendance-scenes`,
      campaignVisitors: `${k(id)}:attendance-campaign-visitors`,
    }),
    attendanceVisitors: {
      people: `{${p}attendance}:people`,
      totals: `{${p}attendance}:totals`,
      counted: (eventId) => `{${p}attendance}:counted:${eventId}`,
    },
    campaignTag: (id) => `{${p}c:${tagSafe('campaign id', id)}}`,
    campaign: (id) => `{${p}c:${tagSafe('campaign id', id)}}:campaign`,
    campaignVisitors: (id) => `{${p}c:${tagSafe('campaign id', id)}}:visitors`,
    campaignFirsts: (id) => `{${p}c:${tagSafe('campaign id', id)}}:firsts`,
    campaignReturning: (id) => `{${p}c:${tagSafe('campaign id', id)}}:returning`,
    campaignCountersBackfill: `{${p}g}:campaign-counters-built`,
    campaignRoster: (id) => `{${p}c:${tagSafe('campaign id', id)}}:roster`,
    campaignRosterNext: (id, tmp) => `{${p}c:${tagSafe('campaign id', id)}}:roster-next:${tmp}`,
    campaignBindings: (id) => `{${p}c:${tagSafe('campaign id', id)}}:bindings`,
    campaignBindingOpenids: (id) => `{${p}c:${tagSafe('campaign id', id)}}:binding-openids`,
    campaignStamps: (id, openid) => `{${p}c:${tagSafe('campaign id', id)}}:stamps:${openid}`,
    campaignStampCompletions: (id) => `{${p}c:${tagSafe('campaign id', id)}}:stamp-completions`,
    campaignDraws: (id) => `{${p}c:${tagSafe('campaign id', id)}}:draws`,
    campaignDrawVersion: (id) => `{${p}c:${tagSafe('campaign id', id)}}:draw-version`,
    campaignErasures: (id) => `{${p}c:${tagSafe('campaign id', id)}}:erasures`,
    campaignErasing: (id) => `{${p}c:${tagSafe('campaign id', id)}}:erasing`,
    campaignErasingWho: (id) => `{${p}c:${tagSafe('campaign id', id)}}:erasing-who`,
    campaignTombstones: (id) => `{${p}c:${tagSafe('campaign id', id)}}:tombstones`,
    campaigns: `${p}campaigns`,
    campaignClock: `${p}campaign-clock`,
    kiosks: `{${p}g}:kiosks`,
    erasedKiosks: `{${p}g}:erased-kiosks`,
    ranges: `{${p}g}:ranges`,
    unrouted: `{${p}u}:unrouted`,
    unroutedDedup: (eventId) => `{${p}u}:dedup:${eventId}`,
    signedQuery: (key) => `${p}signed-query:${key}`,
    wechatToken: (appId) => `${p}wechat-token:${appId}`,
    healthProbe: `${p}health-probe`,
    storeId: `{${p}g}:store-id`,
    layout: `{${p}g}:layout`,
    channel: `${p}changes`,
    followUp: (id) => {
      const c = `{${p}c:${tagSafe('campaign id', id)}}`
      return {
        visitors: `${c}:fu-visitors`,
        tagDue: `${c}:fu-tag-due`,
        messageDue: `${c}:fu-message-due`,
        sending: `${c}:fu-sending`,
        tag: `${c}:fu-tag`,
        counts: `${c}:fu-counts`,
        failed: `${c}:fu-failed`,
        countsGen: `${c}:fu-counts-gen`,
      }
    },
    followUpCursor: (id) => `${k(id)}:fu-cursor`,
    followUpLease: `${p}follow-up-lease`,
  }
}

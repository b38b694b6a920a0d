/**
 * The follow-up half of the relay store (issue 20: campaign tags and follow-up messages). The
 * stored attendance rows are the outbox: the push path writes nothing for this. A worker
 * (relay/follow-up/) reads each kiosk's rows after its cursor, records a state per visitor per
 * campaign (a visitor seen again only fills what was missing: `mergeFollowUpVisitor`), and
 * only then moves the cursor, so a crash between the two re-records the same states (a no-op)
 * and never skips a row. Both stores implement it.
 */
import { noFollowUpCounts } from '../../shared/follow-up-api'

/** The part of an attendance row (relay/store/attendance.ts) the worker reads. */
export interface OutboxRow {
  seq: number
  openid: string
  receivedAt: number
  /** The campaign the scan counted in (absent: none, or a row stored before rows kept it). */
  campaignId?: string
}

export type TagState = 'pending' | 'tagged' | 'failed'
/** `sending`: the call was made and its outcome not recorded (a crash): never sent twice. */
export type FollowUpMessageState = 'pending' | 'sending' | 'sent' | 'outside-window' | 'failed'

/** What the worker records for a visitor the first time it sees them in a campaign. */
export interface NewFollowUpVisitor {
  campaignId: string
  openid: string
  kioskId: string
  /** Their check-in number in the campaign (for `{number}`), 0 when unknown. */
  number: number
  /** When the relay received the scan that brought them (the message window starts here). */
  scannedAt: number
  /** null: the campaign has no tag. */
  tag: 'pending' | null
  /** null: the campaign has no follow-up; `outside-window` when seen after the window. */
  message: 'pending' | 'outside-window' | null
}

export interface FollowUpVisitor {
  campaignId: string
  openid: string
  kioskId: string
  number: number
  scannedAt: number
  tag: TagState | null
  /** WeChat's errcode of a permanent failure (0: none, or no errcode). */
  tagErrcode: number
  /** Tagging calls this visitor was in (more than one that succeeded: re-tagged). */
  tagAttempts: number
  /** Not before this time (ms) is the next attempt due. */
  tagDueAt: number
  message: FollowUpMessageState | null
  messageErrcode: number
  messageAttempts: number
  messageDueAt: number
}

/**
 * A visitor recorded again: seen again in a later scan, or the campaign given a tag or a
 * follow-up text since they were recorded (`promote`). A state that was null (the campaign had
 * no tag or text then) takes the new one; a message left outside its window is due again when
 * this scan is inside the window, which then starts at this scan. Everything else stays (a
 * visitor is tagged and messaged once per campaign). null: nothing changes.
 */
export function mergeFollowUpVisitor(
  old: FollowUpVisitor,
  seen: Pick<NewFollowUpVisitor, 'tag' | 'message' | 'scannedAt'>,
): FollowUpVisitor | null {
  let next = old
  if (old.tag === null && seen.tag !== null) next = { ...next, tag: seen.tag, tagDueAt: 0 }
  if (seen.message === 'pending' && (old.message === null || old.message === 'outside-window')) {
    next = { ...next, message: 'pending', scannedAt: seen.scannedAt, messageDueAt: 0 }
  } else if (old.message === null && seen.message !== null) {
    next = { ...next, message: seen.message }
  }
  return next === old ? null : next
}

/** What `promote` merges into a visitor recorded before the campaign had a tag or a text. */
export function promotion(
  v: FollowUpVisitor,
  what: { tag: boolean; message: boolean },
  now: number,
  windowMs: number,
): Pick<NewFollowUpVisitor, 'tag' | 'message' | 'scannedAt'> {
  return {
    tag: what.tag ? 'pending' : null,
    message: !what.message ? null : now - v.scannedAt > windowMs ? 'outside-window' : 'pending',
    scannedAt: v.scannedAt,
  }
}

/** A state change; fields left out stay as they are. */
export interface TagUpdate {
  state: TagState
  errcode?: number
  dueAt?: number
  /** Counts one more attempt. */
  attempted?: boolean
  /**
   * Applied only to visitors whose tag is in one of these states, checked and written
   * atomically (absent: any): a stale instance's retry must not set a tagged visitor back to
   * pending.
   */
  from?: readonly TagState[]
}

export interface MessageUpdate {
  state: FollowUpMessageState
  errcode?: number
  dueAt?: number
  attempted?: boolean
}

/**
 * One visitor's message write. `from`: applied only while the message is in one of these
 * states, checked and written atomically (two instances may both hold a stale read): the
 * claim `pending` → `sending` is how only one caller ever sends a text.
 */
export interface MessageWrite {
  openid: string
  u: MessageUpdate
  from?: readonly FollowUpMessageState[]
}

export interface FollowUpCounts {
  tagged: number
  pending: number
  failed: number
  /** Tagged visitors who were in more than one tagging call (harmless, counted). */
  retagged: number
  sent: number
  outsideWindow: number
  messageFailed: number
  messagePending: number
}

export interface FollowUpFailure {
  openid: string
  what: 'tag' | 'message'
  state: 'failed' | 'outside-window'
  errcode: number
}

/**
 * The report's counters a visitor adds to (`counts`): what a full recount adds up, and what a
 * store keeping counters moves from the old state's fields to the new one's.
 */
export function followUpCountFields(
  v: Pick<FollowUpVisitor, 'tag' | 'tagAttempts' | 'message'>,
): Array<keyof FollowUpCounts> {
  const out: Array<keyof FollowUpCounts> = []
  if (v.tag === 'tagged') {
    out.push('tagged')
    if (v.tagAttempts > 1) out.push('retagged')
  } else if (v.tag === 'pending') out.push('pending')
  else if (v.tag === 'failed') out.push('failed')
  if (v.message === 'sent') out.push('sent')
  else if (v.message === 'outside-window') out.push('outsideWindow')
  else if (v.message === 'failed') out.push('messageFailed')
  else if (v.message === 'pending' || v.message === 'sending') out.push('messagePending')
  return out
}

/** The report's failures of one visitor (none: not in the list). */
export function followUpFailuresOf(
  v: Pick<FollowUpVisitor, 'openid' | 'tag' | 'tagErrcode' | 'message' | 'messageErrcode'>,
): FollowUpFailure[] {
  const out: FollowUpFailure[] = []
  if (v.tag === 'failed') {
    out.push({ openid: v.openid, what: 'tag', state: 'failed', errcode: v.tagErrcode })
  }
  if (v.message === 'failed' || v.message === 'outside-window') {
    out.push({ openid: v.openid, what: 'message', state: v.message, errcode: v.messageErrcode })
  }
  return out
}

/** The report from every visitor: counters, and the first `limit` failures by scan time. */
export function tallyFollowUp(
  all: readonly FollowUpVisitor[],
  limit: number,
): { counts: FollowUpCounts; failures: FollowUpFailure[] } {
  const counts: FollowUpCounts = noFollowUpCounts()
  for (const v of all) for (const name of followUpCountFields(v)) counts[name]++
  const failing = all
    .filter((v) => followUpFailuresOf(v).length > 0)
    .sort((a, b) => a.scannedAt - b.scannedAt || (a.openid < b.openid ? -1 : 1))
  const failures = failing.flatMap(followUpFailuresOf).slice(0, Math.max(0, limit))
  return { counts, failures }
}

/** The tag a campaign's visitors get, once found or created in WeChat. */
export interface CampaignTag {
  name: string
  id: number
}

/**
 * A lease call's answer: `renewed` the owner's own lease was still running (nobody else can
 * have held it since the owner's last call that got it); `taken` it was free (never held,
 * lapsed, or another owner's lapsed: anyone may have held it meanwhile); false another owner
 * holds it.
 */
export type LeaseAnswer = 'renewed' | 'taken' | false

export interface FollowUpStore {
  /**
   * Takes or renews the one lease that lets a relay instance do follow-up work (so two
   * instances on one Redis never send twice); false while another owner holds it.
   */
  lease(owner: string, now: number, ttlMs: number): Promise<LeaseAnswer>
  /** The last attendance seq of the kiosk already turned into visitor states (0: none). */
  cursor(kioskId: string): Promise<number>
  /** Up to `limit` attendance rows of the kiosk with seq > afterSeq, in seq order. */
  rowsAfter(kioskId: string, afterSeq: number, limit: number): Promise<OutboxRow[]>
  /** The visitors' check-in numbers in the campaign (absent: none). */
  numbers(campaignId: string, openids: readonly string[]): Promise<Map<string, number>>
  /**
   * Records each visitor (one already recorded: `mergeFollowUpVisitor`; idempotent), then
   * moves the cursor to `seq`.
   */
  record(kioskId: string, seq: number, visitors: readonly NewFollowUpVisitor[]): Promise<void>
  /**
   * The campaign now has a tag (`tag`) or a follow-up text (`message`): visitors recorded
   * without one get it, a message inside the window (`now - scannedAt <= windowMs`) due now,
   * one outside it `outside-window`. Returns how many visitors changed.
   */
  promote(
    campaignId: string,
    what: { tag: boolean; message: boolean },
    now: number,
    windowMs: number,
  ): Promise<number>
  /** Visitors whose tag is pending and due at `now`, oldest scan first. */
  dueTags(campaignId: string, now: number, limit: number): Promise<FollowUpVisitor[]>
  /** Visitors whose message is pending and due at `now`. */
  dueMessages(campaignId: string, now: number, limit: number): Promise<FollowUpVisitor[]>
  /**
   * When the first waiting tag and text fell due: the smallest due time of a pending tag and of
   * a pending message (null: none pending). Read from the due indexes, one step whatever the
   * number of visitors (the worker's backlog read, every 15 s).
   */
  earliestDue(campaignId: string): Promise<{ tag: number | null; message: number | null }>
  /** Visitors whose message was being sent when the relay stopped. */
  sendingMessages(campaignId: string, limit: number): Promise<FollowUpVisitor[]>
  updateTags(campaignId: string, openids: readonly string[], u: TagUpdate): Promise<void>
  /**
   * Several visitors' messages in one write (one commit on SQLite); each applied only when its
   * `from` allows. Returns the openids written.
   */
  updateMessages(campaignId: string, updates: ReadonlyArray<MessageWrite>): Promise<string[]>
  campaignTag(campaignId: string): Promise<CampaignTag | null>
  saveCampaignTag(campaignId: string, tag: CampaignTag | null): Promise<void>
  /** The report's counters, kept with every state change (not a read of every visitor). */
  counts(campaignId: string): Promise<FollowUpCounts>
  /**
   * Permanent failures and outside-window messages, up to `limit`, oldest scan first (then by
   * openid), a visitor's tag before its message; read from a list kept with every change.
   */
  failures(campaignId: string, limit: number): Promise<FollowUpFailure[]>
  /**
   * `counts` and `failures` recounted from every visitor of the campaign (cost grows with
   * them): what those two must always equal.
   */
  recount(
    campaignId: string,
    limit: number,
  ): Promise<{ counts: FollowUpCounts; failures: FollowUpFailure[] }>
}

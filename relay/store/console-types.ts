/**
 * The console half of the relay store (contract v2): organizers, their sessions, login
 * lockout counters, kiosk pairing codes and what the console shows per kiosk. Both stores
 * implement it (`RelayStore.console`); every record is shared by all instances on the store
 * and survives a restart. Secrets are never stored: passwords as scrypt hashes, session ids
 * and pairing codes as SHA-256.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'

/** OrganizerRecord.generation as both stores keep it: 128 random bits in hex. */
export const organizerGenerationSchema = z.string().regex(/^[0-9a-f]{32}$/)

/** A new account's generation (OrganizerRecord.generation). */
export function newOrganizerGeneration(): string {
  return randomBytes(16).toString('hex')
}

export interface OrganizerRecord {
  name: string
  /** `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` (relay/console/passwords.ts). */
  passwordHash: string
  createdAt: number
  /**
   * 32 hex digits, random, made when the organizer is added: which account of this name a
   * session or a device cookie belongs to (relay/console/sessions.ts). Removing the name and
   * adding it again makes a new one, whatever the clocks say.
   */
  generation: string
}

export interface SessionRecord {
  /** SHA-256 (hex) of the session id the cookie carries. */
  idHash: string
  name: string
  /**
   * The organizer's generation at sign-in: the session holds only while it is the organizer's.
   * Null only for a Redis session signed in by a relay from before generations (gone within
   * SESSION_MAX_MS of the upgrade), which is held to the organizer's creation time instead.
   */
  generation: string | null
  createdAt: number
  /** Last request seen: the idle expiry counts from here. */
  lastSeenAt: number
  /** The absolute end, whatever the activity. */
  expiresAt: number
}

/** Growing delays after repeated login failures (relay/console/lockout.ts). */
export interface LockoutPolicy {
  /** Attempts counted before any delay. */
  free: number
  /** Delay after the first attempt past `free`, doubled each attempt after. */
  baseDelayMs: number
  maxDelayMs: number
  /** A counter with no attempt for this long starts again from zero. */
  forgetAfterMs: number
}

export type LoginAttempt = { allowed: true } | { allowed: false; retryAfterMs: number }

export interface PairingCodeRecord {
  kioskId: string
  /** SHA-256 (hex) of the code. */
  codeHash: string
  createdAt: number
  expiresAt: number
}

export type RedeemResult =
  | { status: 'paired'; kioskId: string }
  /** Used already: 410. */
  | { status: 'used' }
  /** Unknown, expired, superseded by a newer code, or its kiosk is gone: 404. */
  | { status: 'unknown' }

/** What the console shows of a kiosk beyond its queue. */
export interface KioskMeta {
  /** Set at hello, cleared at disconnect: a live connection (on some instance) since then. */
  connectedAt: number | null
  /** Hello, disconnect, and every heartbeat while connected. */
  lastSeenAt: number | null
  campaignId: string | null
  version: string | null
  /** The pending pairing code's expiry, when one is waiting to be used. */
  pairingExpiresAt: number | null
}

export interface ConsoleStore {
  /** False when the name is taken (nothing changes). */
  addOrganizer(record: OrganizerRecord): Promise<boolean>
  getOrganizer(name: string): Promise<OrganizerRecord | null>
  listOrganizers(): Promise<OrganizerRecord[]>
  /**
   * Removes the organizer; false when there was none. Its sessions end with it: a session is
   * valid only while its organizer exists with the session's generation
   * (relay/console/sessions.ts); the SQLite store also deletes their rows, Redis lets them
   * expire.
   */
  removeOrganizer(name: string): Promise<boolean>

  putSession(session: SessionRecord): Promise<void>
  getSession(idHash: string): Promise<SessionRecord | null>
  /** Slides the idle expiry. */
  touchSession(idHash: string, lastSeenAt: number): Promise<void>
  deleteSession(idHash: string): Promise<void>

  /**
   * Atomically, for one counter (`name:<n>`, `addr:<ip>` or `device:<id>`): refuses while a delay runs
   * (counting nothing), else counts the attempt and starts the delay it earns.
   */
  takeLoginAttempt(key: string, now: number, policy: LockoutPolicy): Promise<LoginAttempt>
  /**
   * After a successful login: `reset` clears the counter, else the attempt taken at `takenAt` is
   * uncounted and the delay it started lifted (unless another attempt came since: its stands).
   */
  settleLoginAttempt(key: string, reset: boolean, takenAt: number): Promise<void>

  /**
   * The relay's own secret for `purpose` (base64url): `fresh` is kept when none was yet, else
   * the one kept first is returned, so every instance and process on the store signs alike.
   */
  relaySecret(purpose: string, fresh: string): Promise<string>

  /** Keeps the code for its kiosk; any earlier unused code of that kiosk stops working. */
  putPairingCode(record: PairingCodeRecord): Promise<void>
  /** The kiosk a code was made for (used, expired or not), or null: where its token goes. */
  pairingCodeKiosk(codeHash: string): Promise<string | null>
  /**
   * Atomically: marks the code used and gives its kiosk `tokenHash` (un-revoking it), or
   * says why not. Of two concurrent redeems of one code exactly one is `paired`.
   */
  redeemPairingCode(
    codeHash: string,
    kioskId: string,
    tokenHash: string,
    now: number,
  ): Promise<RedeemResult>
  /** Drops the kiosk's unused code (revocation). */
  dropPairingCode(kioskId: string): Promise<void>

  kioskMeta(kioskIds: readonly string[], now: number): Promise<Map<string, KioskMeta>>
  /**
   * Every kiosk assigned to a campaign, and that campaign: the console's `?campaign=` scope
   * and the export's rally column. One small read per kiosk, not its record nor its code.
   */
  kioskCampaigns(): Promise<Map<string, string>>
  /**
   * A live link of the kiosk was replaced by a newer one and its device answered the close (the
   * console's identity-conflict flag: two devices with one identity). Kept `windowMs`, where
   * every instance on the store reads it, including one started since.
   */
  noteKioskReplaced(kioskId: string, now: number, windowMs: number): Promise<void>
  /** Per kiosk, its replacements noted within `windowMs` before `now` (a kiosk with none: absent). */
  kioskReplacements(
    kioskIds: readonly string[],
    now: number,
    windowMs: number,
  ): Promise<Map<string, number>>
  /** Hello (with the kiosk's version when it said one), heartbeat, or disconnect. */
  noteKioskSeen(
    kioskId: string,
    now: number,
    state: { connected: boolean; version?: string | null },
  ): Promise<void>
  setKioskCampaign(kioskId: string, campaignId: string | null): Promise<void>
}

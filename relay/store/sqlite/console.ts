/**
 * The console half of the SQLite store (relay/store/console-types.ts): organizers, sessions,
 * lockout counters, pairing codes and kiosk meta, in the tables of migration 4 (organizer
 * generations: migration 18). One process
 * owns the file, so a transaction is all the atomicity a redeem or a lockout step needs.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { lockoutStep } from '../../console/lockout'
import {
  organizerGenerationSchema,
  type ConsoleStore,
  type KioskMeta,
  type LockoutPolicy,
  type LoginAttempt,
  type OrganizerRecord,
  type PairingCodeRecord,
  type RedeemResult,
  type SessionRecord,
} from '../console-types'
import { statement, writeTransaction } from './statements'

type Db = Database.Database

/** Used codes are remembered this long past their expiry, to answer 410 rather than 404. */
const USED_CODE_MEMORY_MS = 86_400_000

const replacementsRow = z.object({ n: z.number() })
const organizerRow = z.object({
  name: z.string(),
  password_hash: z.string(),
  created_at: z.number(),
  generation: organizerGenerationSchema,
})
const sessionRow = z.object({
  id_hash: z.string(),
  name: z.string(),
  // Every session row has one (migration 18 dropped those that did not hold).
  generation: organizerGenerationSchema,
  created_at: z.number(),
  last_seen_at: z.number(),
  expires_at: z.number(),
})
const attemptRow = z.object({ count: z.number(), locked_until: z.number(), updated_at: z.number() })
const codeRow = z.object({
  kiosk_id: z.string(),
  expires_at: z.number(),
  used_at: z.number().nullable(),
})
const metaRow = z.object({
  kiosk_id: z.string(),
  connected_at: z.number().nullable(),
  last_seen_at: z.number().nullable(),
  campaign_id: z.string().nullable(),
  version: z.string().nullable(),
})
const pendingRow = z.object({ kiosk_id: z.string(), expires_at: z.number() })
const kioskCampaignRow = z.object({ kiosk_id: z.string(), campaign_id: z.string() })

const toOrganizer = (raw: unknown): OrganizerRecord => {
  const r = organizerRow.parse(raw)
  return {
    name: r.name,
    passwordHash: r.password_hash,
    createdAt: r.created_at,
    generation: r.generation,
  }
}

/** better-sqlite3 is synchronous: its throws become rejections, as the interface promises. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

/** Login attempts between purges of the counters their policy has forgotten. */
const PURGE_EVERY_ATTEMPTS = 64

export class SqliteConsoleStore implements ConsoleStore {
  private attemptsSincePurge = 0

  constructor(
    private readonly db: Db,
    /** Tells the change feed a kiosk's token changed (a redeem), after the commit. */
    private readonly kioskChanged: (kioskId: string) => void,
  ) {}

  addOrganizer(o: OrganizerRecord): Promise<boolean> {
    return attempt(
      () =>
        statement(
          this.db,
          `INSERT INTO organizers (name, password_hash, created_at, generation)
             VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
        ).run(o.name, o.passwordHash, o.createdAt, organizerGenerationSchema.parse(o.generation))
          .changes > 0,
    )
  }

  getOrganizer(name: string): Promise<OrganizerRecord | null> {
    return attempt(() => {
      const row = statement(this.db, 'SELECT * FROM organizers WHERE name = ?').get(name)
      return row === undefined ? null : toOrganizer(row)
    })
  }

  listOrganizers(): Promise<OrganizerRecord[]> {
    return attempt(() =>
      statement(this.db, 'SELECT * FROM organizers ORDER BY name').all().map(toOrganizer),
    )
  }

  removeOrganizer(name: string): Promise<boolean> {
    return attempt(() =>
      writeTransaction(this.db, () => {
        statement(this.db, 'DELETE FROM console_sessions WHERE name = ?').run(name)
        return statement(this.db, 'DELETE FROM organizers WHERE name = ?').run(name).changes > 0
      }),
    )
  }

  putSession(s: SessionRecord): Promise<void> {
    return attempt(() => {
      writeTransaction(this.db, () => {
        // Sessions past their absolute end go as new ones come (the index keeps it cheap).
        statement(this.db, 'DELETE FROM console_sessions WHERE expires_at <= ?').run(s.createdAt)
        statement(
          this.db,
          `INSERT INTO console_sessions
             (id_hash, name, generation, created_at, last_seen_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(
          s.idHash,
          s.name,
          organizerGenerationSchema.parse(s.generation),
          s.createdAt,
          s.lastSeenAt,
          s.expiresAt,
        )
      })
    })
  }

  getSession(idHash: string): Promise<SessionRecord | null> {
    return attempt(() => {
      const row = statement(this.db, 'SELECT * FROM console_sessions WHERE id_hash = ?').get(idHash)
      if (row === undefined) return null
      const r = sessionRow.parse(row)
      return {
        idHash: r.id_hash,
        name: r.name,
        generation: r.generation,
        createdAt: r.created_at,
        lastSeenAt: r.last_seen_at,
        expiresAt: r.expires_at,
      }
    })
  }

  touchSession(idHash: string, lastSeenAt: number): Promise<void> {
    return attempt(() => {
      statement(
        this.db,
        'UPDATE console_sessions SET last_seen_at = max(last_seen_at, ?) WHERE id_hash = ?',
      ).run(lastSeenAt, idHash)
    })
  }

  deleteSession(idHash: string): Promise<void> {
    return attempt(() => {
      statement(this.db, 'DELETE FROM console_sessions WHERE id_hash = ?').run(idHash)
    })
  }

  takeLoginAttempt(key: string, now: number, policy: LockoutPolicy): Promise<LoginAttempt> {
    return attempt(() =>
      writeTransaction(this.db, (): LoginAttempt => {
        const raw = statement(
          this.db,
          'SELECT count, locked_until, updated_at FROM login_attempts WHERE key = ?',
        ).get(key)
        const r = raw === undefined ? null : attemptRow.parse(raw)
        const step = lockoutStep(
          r && { count: r.count, lockedUntil: r.locked_until, updatedAt: r.updated_at },
          now,
          policy,
        )
        if ('retryAfterMs' in step) return { allowed: false, retryAfterMs: step.retryAfterMs }
        statement(
          this.db,
          `INSERT OR REPLACE INTO login_attempts (key, count, locked_until, updated_at)
             VALUES (?, ?, ?, ?)`,
        ).run(key, step.next.count, step.next.lockedUntil, step.next.updatedAt)
        // Each name or address tried is a row: those the policy has forgotten go, in steps as
        // attempts come (Redis expires its keys), or guesses at made-up names would pile up.
        // Only keys of this kind (`name:`, `addr:`): another kind may have another policy.
        if (++this.attemptsSincePurge >= PURGE_EVERY_ATTEMPTS) {
          this.attemptsSincePurge = 0
          const kind = key.slice(0, key.indexOf(':') + 1)
          statement(
            this.db,
            'DELETE FROM login_attempts WHERE updated_at <= ? AND substr(key, 1, ?) = ?',
          ).run(now - policy.forgetAfterMs, kind.length, kind)
        }
        return { allowed: true }
      }),
    )
  }

  settleLoginAttempt(key: string, reset: boolean, takenAt: number): Promise<void> {
    return attempt(() => {
      if (reset) statement(this.db, 'DELETE FROM login_attempts WHERE key = ?').run(key)
      else {
        statement(
          this.db,
          `UPDATE login_attempts SET count = max(count - 1, 0),
             locked_until = CASE WHEN updated_at = @takenAt THEN @takenAt ELSE locked_until END
           WHERE key = @key`,
        ).run({ key, takenAt })
      }
    })
  }

  relaySecret(purpose: string, fresh: string): Promise<string> {
    return attempt(() => {
      statement(
        this.db,
        'INSERT INTO relay_secrets (purpose, value) VALUES (?, ?) ON CONFLICT (purpose) DO NOTHING',
      ).run(purpose, fresh)
      return z
        .string()
        .parse(
          statement(this.db, 'SELECT value FROM relay_secrets WHERE purpose = ?')
            .pluck()
            .get(purpose),
        )
    })
  }

  putPairingCode(c: PairingCodeRecord): Promise<void> {
    return attempt(() => {
      writeTransaction(this.db, () => {
        statement(
          this.db,
          'DELETE FROM pairing_codes WHERE (kiosk_id = ? AND used_at IS NULL) OR expires_at < ?',
        ).run(c.kioskId, c.createdAt - USED_CODE_MEMORY_MS)
        statement(
          this.db,
          `INSERT INTO pairing_codes (code_hash, kiosk_id, created_at, expires_at)
             VALUES (?, ?, ?, ?)`,
        ).run(c.codeHash, c.kioskId, c.createdAt, c.expiresAt)
      })
    })
  }

  pairingCodeKiosk(codeHash: string): Promise<string | null> {
    return attempt(() => {
      const raw = statement(
        this.db,
        'SELECT kiosk_id, expires_at, used_at FROM pairing_codes WHERE code_hash = ?',
      ).get(codeHash)
      return raw === undefined ? null : codeRow.parse(raw).kiosk_id
    })
  }

  redeemPairingCode(
    codeHash: string,
    kioskId: string,
    tokenHash: string,
    now: number,
  ): Promise<RedeemResult> {
    return attempt(() => {
      const result = writeTransaction(this.db, (): RedeemResult => {
        const raw = statement(
          this.db,
          'SELECT kiosk_id, expires_at, used_at FROM pairing_codes WHERE code_hash = ?',
        ).get(codeHash)
        if (raw === undefined) return { status: 'unknown' }
        const code = codeRow.parse(raw)
        if (code.kiosk_id !== kioskId) return { status: 'unknown' }
        if (code.used_at !== null) return { status: 'used' }
        if (code.expires_at <= now) return { status: 'unknown' }
        const updated = statement(
          this.db,
          'UPDATE kiosks SET token_hash = ?, revoked_at = NULL WHERE kiosk_id = ?',
        ).run(tokenHash, code.kiosk_id)
        if (updated.changes === 0) return { status: 'unknown' }
        statement(this.db, 'UPDATE pairing_codes SET used_at = ? WHERE code_hash = ?').run(
          now,
          codeHash,
        )
        return { status: 'paired', kioskId: code.kiosk_id }
      })
      if (result.status === 'paired') this.kioskChanged(result.kioskId)
      return result
    })
  }

  dropPairingCode(kioskId: string): Promise<void> {
    return attempt(() => {
      statement(this.db, 'DELETE FROM pairing_codes WHERE kiosk_id = ? AND used_at IS NULL').run(
        kioskId,
      )
    })
  }

  kioskMeta(kioskIds: readonly string[], now: number): Promise<Map<string, KioskMeta>> {
    return attempt(() => {
      const wanted = new Set(kioskIds)
      const out = new Map<string, KioskMeta>()
      for (const id of kioskIds) {
        out.set(id, {
          connectedAt: null,
          lastSeenAt: null,
          campaignId: null,
          version: null,
          pairingExpiresAt: null,
        })
      }
      for (const raw of statement(this.db, 'SELECT * FROM kiosk_meta').all()) {
        const r = metaRow.parse(raw)
        const m = out.get(r.kiosk_id)
        if (m === undefined) continue
        m.connectedAt = r.connected_at
        m.lastSeenAt = r.last_seen_at
        m.campaignId = r.campaign_id
        m.version = r.version
      }
      const pending = statement(
        this.db,
        `SELECT kiosk_id, max(expires_at) AS expires_at FROM pairing_codes
           WHERE used_at IS NULL AND expires_at > ? GROUP BY kiosk_id`,
      ).all(now)
      for (const raw of pending) {
        const r = pendingRow.parse(raw)
        const m = wanted.has(r.kiosk_id) ? out.get(r.kiosk_id) : undefined
        if (m !== undefined) m.pairingExpiresAt = r.expires_at
      }
      return out
    })
  }

  noteKioskReplaced(kioskId: string, now: number, windowMs: number): Promise<void> {
    return attempt(() => {
      statement(this.db, 'DELETE FROM kiosk_replacements WHERE at <= ?').run(now - windowMs)
      statement(this.db, 'INSERT INTO kiosk_replacements (kiosk_id, at) VALUES (?, ?)').run(
        kioskId,
        now,
      )
    })
  }

  kioskReplacements(
    kioskIds: readonly string[],
    now: number,
    windowMs: number,
  ): Promise<Map<string, number>> {
    return attempt(() => {
      const out = new Map<string, number>()
      const count = statement(
        this.db,
        'SELECT COUNT(*) AS n FROM kiosk_replacements WHERE kiosk_id = ? AND at > ? AND at <= ?',
      )
      for (const id of kioskIds) {
        const n = replacementsRow.parse(count.get(id, now - windowMs, now)).n
        if (n > 0) out.set(id, n)
      }
      return out
    })
  }

  noteKioskSeen(
    kioskId: string,
    now: number,
    state: { connected: boolean; version?: string | null },
  ): Promise<void> {
    return attempt(() => {
      statement(
        this.db,
        `INSERT INTO kiosk_meta (kiosk_id, connected_at, last_seen_at, version)
           VALUES (@kioskId, @connectedAt, @now, @version)
           ON CONFLICT (kiosk_id) DO UPDATE SET
             connected_at = CASE WHEN @connected = 1
               THEN coalesce(connected_at, @now) ELSE NULL END,
             last_seen_at = @now,
             version = CASE WHEN @keepVersion = 1 THEN version ELSE @version END`,
      ).run({
        kioskId,
        now,
        connected: state.connected ? 1 : 0,
        connectedAt: state.connected ? now : null,
        version: state.version ?? null,
        keepVersion: state.version === undefined ? 1 : 0,
      })
    })
  }

  kioskCampaigns(): Promise<Map<string, string>> {
    return attempt(() => {
      const out = new Map<string, string>()
      const rows = statement(
        this.db,
        `SELECT m.kiosk_id, m.campaign_id FROM kiosk_meta m JOIN kiosks k USING (kiosk_id)
           WHERE m.campaign_id IS NOT NULL ORDER BY m.kiosk_id`,
      ).all()
      for (const raw of rows) {
        const r = kioskCampaignRow.parse(raw)
        out.set(r.kiosk_id, r.campaign_id)
      }
      return out
    })
  }

  setKioskCampaign(kioskId: string, campaignId: string | null): Promise<void> {
    return attempt(() => {
      statement(
        this.db,
        `INSERT INTO kiosk_meta (kiosk_id, campaign_id) VALUES (?, ?)
           ON CONFLICT (kiosk_id) DO UPDATE SET campaign_id = excluded.campaign_id`,
      ).run(kioskId, campaignId)
    })
  }
}

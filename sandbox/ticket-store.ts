// QR code tickets: what qrcode/create hands out, what showqrcode draws and what a scan resolves.
// Tickets and urls imitate WeChat's: the ticket is base64 of a small binary record that embeds
// the url (so it always contains characters that need URL-encoding), and the url is
// http://weixin.qq.com/q/<20-character code>.
import { randomBytes } from 'node:crypto'
import { randomAlnum } from './options'
import type { ActionName, QrRequest, Scene } from './qr-validate'

export const QR_URL_PREFIX = 'http://weixin.qq.com/q/'
const CODE_LENGTH = 20
const RECENT_LIMIT = 50
const SWEEP_EVERY = 256

export interface TicketRecord {
  ticket: string
  url: string
  actionName: ActionName
  permanent: boolean
  scene: Scene
  createdAt: number
  /** null for permanent codes. */
  expiresAt: number | null
  expireSeconds: number | null
}

export type CreateResult = { ok: true; record: TicketRecord } | { ok: false; reason: 'cap' }

export class TicketStore {
  readonly #now: () => number
  readonly #permanentCap: number
  readonly #byTicket = new Map<string, TicketRecord>()
  readonly #byUrl = new Map<string, TicketRecord>()
  /** Permanent codes by scene: asking again for the same scene returns the same code. */
  readonly #permanent = new Map<string, TicketRecord>()
  #recent: TicketRecord[] = []
  #created = 0

  constructor(now: () => number, permanentCap: number) {
    this.#now = now
    this.#permanentCap = permanentCap
  }

  create(request: QrRequest): CreateResult {
    const now = this.#now()
    if (request.permanent) {
      const key = `${request.actionName}:${String(request.scene)}`
      const existing = this.#permanent.get(key)
      if (existing) return { ok: true, record: existing }
      if (this.#permanent.size >= this.#permanentCap) return { ok: false, reason: 'cap' }
      const record = this.#mint(request, now)
      this.#permanent.set(key, record)
      return { ok: true, record }
    }
    return { ok: true, record: this.#mint(request, now) }
  }

  /** A live (unexpired) ticket, or undefined. */
  byTicket(ticket: string): TicketRecord | undefined {
    return this.#live(this.#byTicket.get(ticket))
  }

  /** A live code by exactly what a phone reads from the QR image. */
  byUrl(url: string): TicketRecord | undefined {
    return this.#live(this.#byUrl.get(url))
  }

  /** The most recently created live codes, newest first. */
  recent(): TicketRecord[] {
    const now = this.#now()
    return this.#recent.filter((r) => r.expiresAt === null || r.expiresAt > now).reverse()
  }

  #live(record: TicketRecord | undefined): TicketRecord | undefined {
    if (!record) return undefined
    return record.expiresAt === null || record.expiresAt > this.#now() ? record : undefined
  }

  #mint(request: QrRequest, now: number): TicketRecord {
    let url: string
    do {
      url = QR_URL_PREFIX + randomAlnum(CODE_LENGTH)
    } while (this.#byUrl.has(url))
    const expireSeconds = request.permanent ? null : request.expireSeconds
    const record: TicketRecord = {
      ticket: encodeTicket(url, now, expireSeconds ?? 0),
      url,
      actionName: request.actionName,
      permanent: request.permanent,
      scene: request.scene,
      createdAt: now,
      expiresAt: expireSeconds === null ? null : now + expireSeconds * 1000,
      expireSeconds,
    }
    this.#byTicket.set(record.ticket, record)
    this.#byUrl.set(url, record)
    this.#recent.push(record)
    if (this.#recent.length > RECENT_LIMIT) this.#recent = this.#recent.slice(-RECENT_LIMIT)
    this.#created += 1
    if (this.#created % SWEEP_EVERY === 0) this.#sweep(now)
    return record
  }

  /** Drops expired temporary codes so a long demo does not grow without bound. */
  #sweep(now: number): void {
    for (const [ticket, record] of this.#byTicket) {
      if (record.expiresAt !== null && record.expiresAt <= now) {
        this.#byTicket.delete(ticket)
        this.#byUrl.delete(record.url)
      }
    }
  }
}

/**
 * The layout of real tickets: 0x81 0x01, 3 random bytes, 7 zero bytes, 0x01, url length, url,
 * 0x00 0x02 0x04 + creation time, 0x03 0x04 + lifetime (both little-endian u32). With a
 * 43-character url that is 70 bytes, so the base64 always ends in "==", like WeChat's example.
 */
function encodeTicket(url: string, nowMs: number, expireSeconds: number): string {
  const urlBytes = Buffer.from(url, 'latin1')
  const head = Buffer.concat([
    Buffer.from([0x81, 0x01]),
    randomBytes(3),
    Buffer.alloc(7),
    Buffer.from([0x01, urlBytes.length]),
  ])
  const tail = Buffer.alloc(13)
  tail.set([0x00, 0x02, 0x04], 0)
  tail.writeUInt32LE(Math.floor(nowMs / 1000) >>> 0, 3)
  tail.set([0x03, 0x04], 7)
  tail.writeUInt32LE(expireSeconds >>> 0, 9)
  return Buffer.concat([head, urlBytes, tail]).toString('base64')
}

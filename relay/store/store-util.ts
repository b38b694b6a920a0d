import { hash, randomBytes } from 'node:crypto'
import { FALLBACK_NONCE } from '../../shared/relay-protocol'
import type { NewEvent, StoreChange, StoredEvent } from './types'

/** A fresh random epoch: a kiosk holding any other epoch must forget its lastSeq. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url')
}

/**
 * The stable event id the kiosk de-duplicates by: a hash of WeChat's retry key, so every
 * retry of one push (and every relay instance that receives it) names the same event.
 */
export function eventIdOf(dedupKey: string): string {
  return 'ev_' + hash('sha256', dedupKey, 'hex').slice(0, 32)
}

/**
 * Whether a scan of `scene` at `kioskId` is of a per-visitor code, the first push stored for it
 * recorded and another openid's later scan refused once the kiosk acknowledged that push
 * (docs/DESIGN.md "Which scans count"): a string scene of
 * the booth's own (`<kioskId>:<nonce>`), which names one temporary per-visitor code, except the
 * permanent fallback code's (`<kioskId>:fallback`, shared by design). Integer scenes (ranges a
 * kiosk registered, possibly printed permanent codes) claim nothing.
 */
export function claimsScene(kioskId: string, scene: string): boolean {
  return scene.startsWith(`${kioskId}:`) && scene !== `${kioskId}:${FALLBACK_NONCE}`
}

/**
 * The event as stored under `seq`, field for field what `readEvents` returns: with a number,
 * the campaign it counts in.
 */
export function storedEvent(
  seq: number,
  e: NewEvent,
  n?: { number: number; firstInCampaign: boolean } | null,
  campaignId?: string | null,
): StoredEvent {
  const stored: StoredEvent = {
    seq,
    id: e.id,
    event: e.event,
    openid: e.openid,
    scene: e.scene,
    ticket: e.ticket,
    createTime: e.createTime,
    receivedAt: e.receivedAt,
  }
  if (n != null) {
    stored.number = n.number
    stored.firstInCampaign = n.firstInCampaign
    if (campaignId != null) stored.campaignId = campaignId
  }
  return stored
}

/** Synchronous fan-out of store changes; a throwing listener does not stop the others. */
export class ChangeFeed {
  private readonly listeners = new Set<(change: StoreChange) => void>()

  on(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(change: StoreChange): void {
    for (const l of this.listeners) {
      try {
        l(change)
      } catch {
        // A listener's failure is its own; the store has already committed.
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}

/**
 * Events stored and not acknowledged, from the queue's head, last ack and oldest kept seq (null:
 * none kept). Retention only ever removes a queue's oldest events.
 */
export function unackedKept(headSeq: number, ackedSeq: number, oldestSeq: number | null): number {
  if (oldestSeq === null) return 0
  return Math.max(0, headSeq - Math.max(ackedSeq, oldestSeq - 1))
}

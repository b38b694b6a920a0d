/**
 * Test helpers for the big screens: a campaign with a kiosk assigned on a relay, first scans
 * pushed to it, and a server-sent-events reader over fetch that keeps every parsed event.
 */
import type { RelayHandle } from '../../relay/server'
import type { ConsoleCampaign } from '../../shared/campaign'
import { screenEventSchema, type ScreenEvent } from '../../shared/screen-api'
import { assign, createCampaign, signIn } from './campaign-helpers'
import type { ConsoleClient } from './console-helpers'
import { postPush, scanXml } from './harness'

export interface ScreenSetup {
  console: ConsoleClient
  campaign: ConsoleCampaign
}

/** A signed-in console, a campaign and kiosk `kioskId` assigned to it. */
export async function screenSetup(relay: RelayHandle, kioskId = 'k1'): Promise<ScreenSetup> {
  await relay.addKiosk(kioskId)
  const c = await signIn(relay)
  const campaign = await createCampaign(c, { name: '春季展 签到' })
  await assign(c, kioskId, campaign.id)
  return { console: c, campaign }
}

/** Pushes a scan by `openid` at the kiosk's booth; fails on anything but 200. */
export async function scan(relayUrl: string, openid: string, kioskId = 'k1', n = 0): Promise<void> {
  const a = await postPush(relayUrl, scanXml(openid, `${kioskId}:s${n}-${openid}`))
  if (a.status !== 200) throw new Error(`push ${a.status}: ${a.body}`)
}

export function screenPath(
  kind: 'wall' | 'events' | 'page-wall' | 'page-draw',
  campaignId: string,
  key: string | null,
): string {
  const q = key === null ? '' : `?key=${encodeURIComponent(key)}`
  const id = encodeURIComponent(campaignId)
  if (kind === 'page-wall') return `/screen/${id}/wall${q}`
  if (kind === 'page-draw') return `/screen/${id}/draw${q}`
  return `/screen/api/${id}/${kind}${q}`
}

/** An open event stream: every event parsed (and every raw chunk), and whether it ended. */
export class EventReader {
  readonly events: ScreenEvent[] = []
  raw = ''
  ended = false
  status = 0
  private readonly abort = new AbortController()

  static async open(url: string): Promise<EventReader> {
    const r = new EventReader()
    const res = await fetch(url, { signal: r.abort.signal })
    r.status = res.status
    if (res.body === null || res.status !== 200) {
      r.raw = await res.text()
      r.ended = true
      return r
    }
    void r.pump(res.body)
    return r
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of body) {
        const text = decoder.decode(chunk, { stream: true })
        this.raw += text
        buffer += text
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n')
          if (data !== '') this.events.push(screenEventSchema.parse(JSON.parse(data)))
        }
      }
    } catch {
      // aborted
    }
    this.ended = true
  }

  /** Check-in numbers received, in order. */
  numbers(): number[] {
    return this.events.flatMap((e) =>
      e.type === 'checkins' ? e.checkins.map((c) => c.number) : [],
    )
  }

  lastCount(): number {
    const counts = this.events.flatMap((e) => (e.type === 'checkins' ? [e.count] : []))
    return counts[counts.length - 1] ?? 0
  }

  close(): void {
    this.abort.abort()
  }
}

/** Polls `check` until it holds (or throws after `ms`). */
export async function until(check: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

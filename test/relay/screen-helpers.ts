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
import { SseStream } from '../helpers/sse'

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
  const xml = scanXml(openid, `${kioskId}:s${n}-${openid}`)
  // As WeChat does, a push whose connection failed is sent again (up to three tries): a kept-alive
  // connection to a relay that has just restarted on the same port can be closed under the next
  // push ('other side closed'). The same push twice is stored once, so nothing is counted twice.
  for (let attempt = 1; ; attempt++) {
    let a: { status: number; body: string }
    try {
      a = await postPush(relayUrl, xml)
    } catch (err) {
      if (attempt < 3 && err instanceof TypeError) continue
      throw err
    }
    if (a.status !== 200) throw new Error(`push ${a.status}: ${a.body}`)
    return
  }
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

/**
 * A big screen's event stream: its events, checked against the screen API; the named
 * heartbeats are only counted (`named.get('heartbeat')`), as a page's data listener never sees them.
 */
export class EventReader extends SseStream<ScreenEvent> {
  static async open(url: string): Promise<EventReader> {
    const r = new EventReader((data) => screenEventSchema.parse(data), ['heartbeat'])
    await r.connect(url)
    return r
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
}

/** Polls `check` until it holds (or throws after `ms`). */
export async function until(check: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

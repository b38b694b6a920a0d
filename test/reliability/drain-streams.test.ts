// Relay close (SIGTERM's path) with long-lived streams open: a big screen's event stream, the
// organizer console's event stream and a kiosk link. The streams are ended by the relay (not
// left for the grace period to cut), the kiosk is told 1012 to reconnect, and close returns
// well inside the grace period: set far beyond this test's own timeout, so a drain that waited
// on an open stream would fail the test instead of passing slowly. An attendance download to a
// client that reads slowly is cut at once as well (the grace period is for WeChat's pushes:
// while the relay waits, a relay restarted in place refuses them all), and the log says the
// relay cut it, not that the organizer abandoned it.
import { get, type IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { jsonLogger } from '../../relay/log'
import { consoleEventSchema, type ConsoleEvent } from '../../shared/console-api'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { SseStream } from '../helpers/sse'
import { seedLongRows } from '../relay/attendance-helpers'
import { KioskClient, startTestRelay } from '../relay/harness'
import { EventReader, screenPath, screenSetup, until } from '../relay/screen-helpers'
import { UNDER_LOAD } from '../helpers/wait'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

class ConsoleEvents extends SseStream<ConsoleEvent> {
  static async open(url: string, cookie: string, origin: string): Promise<ConsoleEvents> {
    const r = new ConsoleEvents((d) => consoleEventSchema.parse(d))
    await r.connect(url, { cookie, origin })
    return r
  }
}

describe('relay close with streams open', () => {
  it('ends the screen and console streams, tells the kiosk 1012, and returns', async () => {
    const relay = await startTestRelay('sqlite', null, {}, { shutdownGraceMs: 120_000 })
    let closed = false
    cleanups.push(() => (closed ? undefined : relay.close()))
    const { console: c, campaign } = await screenSetup(relay)
    const token = await relay.addKiosk('k2')
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k2' })
    const screen = await EventReader.open(
      `${relay.url}${screenPath('events', campaign.id, campaign.screenKey)}`,
    )
    cleanups.push(() => screen.close())
    const consoleStream = await ConsoleEvents.open(
      `${relay.url}/console/api/events`,
      c.cookie ?? '',
      relay.url,
    )
    cleanups.push(() => consoleStream.close())
    expect([screen.status, consoleStream.status]).toEqual([200, 200])
    expect(screen.ended || consoleStream.ended).toBe(false)

    await relay.close()
    closed = true
    expect((await kiosk.closed).code).toBe(RelayCloseCode.serviceRestart)
    await until(() => screen.ended && consoleStream.ended, UNDER_LOAD.timeout, 'both streams ended')
  }, 30_000)
})

describe('relay close with an attendance download under way', () => {
  it('cuts the download at once and says the relay did, not the organizer', async () => {
    const lines: string[] = []
    const log = jsonLogger((l) => lines.push(l))
    const relay = await startTestRelay('sqlite', null, {}, { shutdownGraceMs: 120_000, log })
    let closed = false
    cleanups.push(() => (closed ? undefined : relay.close()))
    const { console: c } = await screenSetup(relay)
    // 40 MB of rows: far more than socket buffers hold, so the download is under way at close.
    await seedLongRows(relay.store, 20_000)
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const headers = { cookie: c.cookie ?? '', origin: relay.url }
      get(`${relay.url}/console/api/attendance?format=csv`, { headers }, resolve).on(
        'error',
        reject,
      )
    })
    cleanups.push(() => void res.destroy())
    expect(res.statusCode).toBe(200)
    // The organizer's link is slow: nothing more is read.
    res.pause()

    await relay.close()
    closed = true
    // Read what had reached the organizer's side: the download ends there, short.
    const cut = new Promise<void>((r) => res.once('close', () => r()))
    res.on('error', () => {}).resume()
    await cut
    expect(res.complete).toBe(false)
    const msgs = lines.map((l) => z.object({ msg: z.string() }).passthrough().parse(JSON.parse(l)))
    expect(msgs.map((m) => m.msg)).not.toContain('attendance export abandoned by the client')
    expect(msgs.find((m) => m.msg.startsWith('attendance export'))).toMatchObject({
      msg: 'attendance export cut short: the relay is shutting down',
    })
    // Nothing WeChat sent was left unanswered.
    expect(msgs.find((m) => m.msg === 'relay stopped')).toMatchObject({ unanswered: 0 })
  }, 30_000)
})

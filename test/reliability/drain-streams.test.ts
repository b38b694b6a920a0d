// Relay close (SIGTERM's path) with long-lived streams open: a big screen's event stream, the
// organizer console's event stream and a kiosk link. The streams are ended by the relay (not
// left for the grace period to cut), the kiosk is told 1012 to reconnect, and close returns
// well inside the grace period: set far beyond this test's own timeout, so a drain that waited
// on an open stream would fail the test instead of passing slowly.
import { afterEach, describe, expect, it } from 'vitest'
import { consoleEventSchema, type ConsoleEvent } from '../../shared/console-api'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { SseStream } from '../helpers/sse'
import { KioskClient, startTestRelay } from '../relay/harness'
import { EventReader, screenPath, screenSetup, until } from '../relay/screen-helpers'

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
    await until(() => screen.ended && consoleStream.ended, 5000, 'both streams ended')
  }, 30_000)
})

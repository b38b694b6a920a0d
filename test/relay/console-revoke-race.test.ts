// DELETE /console/api/kiosks/<id> closes the kiosk's live socket within a second (contract v2),
// also one whose upgrade was under way when the revocation came: its token was read as good
// just before, and the socket opened just after the hub looked for sockets to close.
import { afterEach, describe, expect, it } from 'vitest'
import { RelayCloseCode } from '../../shared/relay-protocol'
import type { KioskRecord } from '../../relay/store/types'
import { ConsoleClient, newPlace, organizer, startOn } from './console-helpers'
import { KioskClient } from './harness'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('revoking a kiosk whose socket is being opened (sqlite store)', () => {
  it(
    'closes the socket that opened on a token read just before the revocation',
    { timeout: 10_000 },
    async () => {
      const place = newPlace('sqlite', null)
      cleanups.push(() => place.remove())
      const relay = await startOn(place)
      cleanups.push(() => relay.close())
      const c = new ConsoleClient(relay.url)
      expect((await c.login('alice', await organizer(relay, 'alice'))).status).toBe(200)
      const token = await relay.addKiosk('k1')

      // The store answers the upgrade's token read slowly (a Redis round trip, stretched): the
      // read returns the kiosk as it was, not yet revoked, after the revocation went through.
      const store = relay.store
      const read = store.getKiosk.bind(store)
      let release: () => void = () => {}
      let reading: () => void = () => {}
      const readStarted = new Promise<void>((resolve) => (reading = resolve))
      let held = false
      store.getKiosk = async (kioskId: string): Promise<KioskRecord | null> => {
        const before = await read(kioskId)
        if (held) return before
        held = true
        reading()
        await new Promise<void>((resolve) => (release = resolve))
        return before
      }

      const connecting = KioskClient.connect(relay.url, token)
      await readStarted
      expect((await c.call('DELETE', '/console/api/kiosks/k1')).status).toBe(204)
      release()
      const kiosk = await connecting
      cleanups.push(() => kiosk.close())
      kiosk.send({ type: 'hello', kioskId: 'k1' })
      // Before: the socket stayed open, welcomed, with a revoked token (until the test timed out).
      expect((await kiosk.closed).code).toBe(RelayCloseCode.revoked)
    },
  )
})

// POST /console/api/kiosks {"id"} creates the booth once: an existing id is 409 (relay/README.md
// "Booths"), also when the requests come at once (a double click, two organizers, two
// instances on one Redis). Every code the console was shown works; none is dead on arrival.
import { describe, expect, it } from 'vitest'
import { addKioskResponseSchema, pairResponseSchema } from '../../shared/console-api'
import type { RelayHandle } from '../../relay/server'
import { ConsoleClient, consoleTestBed, errorCode, organizer, startOn } from './console-helpers'
import type { Backend } from './harness'

const bed = consoleTestBed({ leakCheck: false })
const cleanups = bed.cleanups

async function pair(relay: RelayHandle, code: string): Promise<number> {
  const res = await fetch(`${relay.url}/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  const json: unknown = await res.json()
  if (res.status === 200) pairResponseSchema.parse(json)
  return res.status
}

describe.each(['sqlite', 'redis'] as const)(
  'adding one booth at once (%s store)',
  (backend: Backend) => {
    it('of concurrent adds of one id one is 201, the others 409; its code pairs', async () => {
      const place = bed.place(backend)
      // Redis: two instances on one store, as two organizers' consoles may be.
      const relays = [await startOn(place)]
      if (backend === 'redis') relays.push(await startOn(place))
      cleanups.push(() => Promise.all(relays.map((r) => r.close())))
      const password = await organizer(relays[0] as RelayHandle, 'alice')
      const clients = relays.map((r) => new ConsoleClient(r.url))
      for (const c of clients) expect((await c.login('alice', password)).status).toBe(200)

      for (const id of ['b1', 'b2', 'b3']) {
        const answers = await Promise.all(
          [0, 1, 2, 3].map((i) =>
            (clients[i % clients.length] as ConsoleClient).call('POST', '/console/api/kiosks', {
              id,
            }),
          ),
        )
        const statuses = answers.map((a) => a.status).sort()
        // Before: on Redis every one was 201, each with its own code, and only the last one
        // written paired (the others were 404 on the booth).
        expect(statuses, id).toEqual([201, 409, 409, 409])
        for (const a of answers.filter((x) => x.status === 409))
          expect(errorCode(a)).toBe('conflict')
        const created = addKioskResponseSchema.parse(answers.find((a) => a.status === 201)?.json)
        expect(await pair(relays[0] as RelayHandle, created.pairingCode), id).toBe(200)
      }
      const stored = await (relays[0] as RelayHandle).store.listKiosks()
      expect(stored.map((k) => [k.kioskId, k.revokedAt])).toEqual([
        ['b1', null],
        ['b2', null],
        ['b3', null],
      ])
    })
  },
)

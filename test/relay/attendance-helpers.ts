/** A store's attendance reader that counts the rows it hands out (the export's reads). */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createAttendanceRoutes,
  type AttendanceRoutes,
  type AttendanceRoutesDeps,
} from '../../relay/attendance/routes'
import { silentLogger } from '../../relay/log'
import type { AttendanceReader, AttendanceRow } from '../../relay/store/attendance'
import { eventIdOf } from '../../relay/store/store-util'
import type { NewEvent, RelayStore } from '../../relay/store/types'

export function countingReader(a: AttendanceReader): {
  reader: AttendanceReader
  handedOut: () => number
  /** Whether the last `rows` iteration ended (read to its end, or returned early). */
  finished: () => boolean
  /**
   * Waits until the export has taken rows and then takes no more for a while: stalled on a
   * paused or gone reader, or done (150 ms a look; 400 looks at the most).
   */
  stalled: () => Promise<void>
} {
  let handedOut = 0
  let finished = false
  const reader: AttendanceReader = {
    stats: (...args) => a.stats(...args),
    scansToday: (...args) => a.scansToday(...args),
    page: (...args) => a.page(...args),
    hasScan: (...args) => a.hasScan(...args),
    seed: (...args) => a.seed(...args),
    settled: () => a.settled(),
    backlog: () => a.backlog(),
    async *rows(scope, pageSize) {
      finished = false
      try {
        for await (const page of a.rows(scope, pageSize)) {
          handedOut += page.length
          yield page
        }
      } finally {
        finished = true
      }
    },
  }
  const stalled = async (): Promise<void> => {
    let seen = -1
    for (let i = 0; i < 400 && (handedOut === 0 || handedOut !== seen); i++) {
      seen = handedOut
      await new Promise((r) => setTimeout(r, 150))
    }
  }
  return { reader, handedOut: () => handedOut, finished: () => finished, stalled }
}

export interface ServedRoutes {
  url: string
  routes: AttendanceRoutes
  close(): Promise<void>
}

/**
 * The attendance routes on a bare server, as the console router mounts them (no session guard
 * here); `deps` adds to or replaces the defaults.
 */
export async function serveAttendanceRoutes(
  store: Pick<RelayStore, 'attendance' | 'subscribe'>,
  deps: Partial<AttendanceRoutesDeps> = {},
): Promise<ServedRoutes> {
  const routes = createAttendanceRoutes({
    store,
    now: Date.now,
    log: silentLogger,
    sessionLive: () => Promise.resolve(true), // no event stream is opened here
    ...deps,
  })
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid')
    // A GET route answers HEAD too, as in the console router.
    const method = req.method === 'HEAD' ? 'GET' : req.method
    const route = routes.routes.find((r) => r.method === method && r.path === url.pathname)
    if (route === undefined) res.writeHead(404).end()
    else void route.handler(req, res, url, null)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    close: async () => {
      routes.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

let eventN = 0
/** A scan of `openid` at `kioskId`, received now, with an id no other call gives. */
export function scanEvent(kioskId: string, openid: string, over: Partial<NewEvent> = {}): NewEvent {
  eventN++
  return {
    id: eventIdOf(`${kioskId}/${openid}/${eventN}`),
    event: 'scan',
    openid,
    scene: `${kioskId}:s${eventN}`,
    ticket: `tk${eventN}`,
    createTime: 1_700_000_000 + eventN,
    receivedAt: Date.now(),
    ...over,
  }
}

/** A kiosk the store will take pushes for (ticket proxy on, no integer scenes). */
export async function addKiosk(store: RelayStore, kioskId: string): Promise<void> {
  await store.putKiosk({
    kioskId,
    tokenHash: `h-${kioskId}`,
    ticketProxy: true,
    sceneRanges: [],
    now: 1,
  })
}

/**
 * `total` long rows, half at booth k1 and half at k2, in store pages of 2,000: each row's scene
 * ends in `long()` (by default 2 KB, 40 MB for 20,000 rows: far more than socket buffers hold).
 */
export async function seedLongRows(
  store: RelayStore,
  total: number,
  long: () => string = () => 's'.repeat(2000),
): Promise<void> {
  await addKiosk(store, 'k1')
  await addKiosk(store, 'k2')
  for (let from = 0; from < total; from += 2000) {
    const rows: AttendanceRow[] = []
    for (let i = from; i < from + 2000; i++) {
      const kioskId = i < total / 2 ? 'k1' : 'k2'
      rows.push({
        kioskId,
        seq: (i % (total / 2)) + 1,
        id: `ev_${i}`,
        event: 'scan',
        openid: `o${i}`,
        scene: `${kioskId}:${i}:${long()}`,
        ticket: '',
        fallback: false,
        createTime: 1_700_000_000,
        receivedAt: 1_700_000_000_000,
      })
    }
    await store.attendance.seed(rows)
  }
}

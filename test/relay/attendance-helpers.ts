/** A store's attendance reader that counts the rows it hands out (the export's reads). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
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
   * Waits until the export (the last response `served` began) is stalled on `client`, a
   * download paused before its end: the export holds a page it has not finished writing (it has
   * not asked for the next), its response waits for a drain, and the client has stopped reading
   * its socket (its buffer is full), so nothing can drain it. Or until the export's reads ended.
   * Seen so twice, with the event loop's I/O between. Known, not inferred from a quiet spell: a
   * loaded machine can leave a busy export quiet for as long as any spell.
   */
  stalled: (client: IncomingMessage, served: ServedRoutes) => Promise<void>
  /** Waits until the last `rows` iteration ended. */
  ended: () => Promise<void>
} {
  let handedOut = 0
  let finished = false
  // Suspended at a `yield`: the export holds the page, and has not asked for the next.
  let holding = false
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
          holding = true
          try {
            yield page
          } finally {
            holding = false
          }
        }
      } finally {
        finished = true
      }
    },
  }
  const stalled = async (client: IncomingMessage, served: ServedRoutes): Promise<void> => {
    const stuck = (): boolean => {
      const res = served.responses.at(-1)
      return (
        holding &&
        res?.writableNeedDrain === true &&
        client.readableLength >= client.readableHighWaterMark
      )
    }
    let seen = -1
    for (let look = 0; look < LOOKS; look++) {
      if (finished) return
      if (stuck()) {
        if (seen === handedOut) return
        seen = handedOut
      } else seen = -1
      await new Promise((r) => setTimeout(r, LOOK_MS))
    }
    throw new Error(`the export neither stalled nor ended (${handedOut} rows taken)`)
  }
  const ended = async (): Promise<void> => {
    for (let look = 0; look < LOOKS && !finished; look++) {
      await new Promise((r) => setTimeout(r, LOOK_MS))
    }
    if (!finished) throw new Error(`the export's reads did not end (${handedOut} rows taken)`)
  }
  return { reader, handedOut: () => handedOut, finished: () => finished, stalled, ended }
}

/** How often and how long `stalled` and `ended` look: 60 s at the most. */
const LOOK_MS = 5
const LOOKS = 12_000

export interface ServedRoutes {
  url: string
  routes: AttendanceRoutes
  /** Every response the server began, in order. */
  responses: ServerResponse[]
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
  const responses: ServerResponse[] = []
  const server: Server = createServer((req, res) => {
    responses.push(res)
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
    responses,
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

/**
 * The receiving end of the end-to-end bench in its own process, as a kiosk is on its own
 * machine: in the bench process it took the load generator's turns (a commit blocks the event
 * loop), so pushes went out late and answers were read late. Two kinds, driven over IPC:
 * - `core`: the kiosk core's RelayLink and AttendanceStore on a kiosk database with
 *   synchronous=FULL, a burst of frames committed in one transaction, then acked (what a
 *   kiosk does);
 * - `bare`: a bare `ws` client that notes each message (the floor's receiving end);
 *   `bare-durable` writes and fdatasyncs each message first (the durable floor's).
 * Times are `monoMs()`, the clock the load generator uses.
 */
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import WebSocket from 'ws'
import { z } from 'zod'
import { AttendanceStore } from '../electron/core/scans/attendance-store'
import { openKioskDb } from '../electron/core/db/db'
import { MetaTable } from '../electron/core/db/meta-table'
import { RosterStore } from '../electron/core/roster/roster-store'
import { RelayCursorStore } from '../electron/core/scans/relay-cursor'
import { RelayLink, type ScanDelivery } from '../electron/core/scans/relay-link'
import { TicketRepo } from '../electron/core/tickets/ticket-repo'
import { appendLog, tempDir } from './env'
import { answerParent } from './child'
import { monoMs, waitFor } from './load'

const msgSchema = z.discriminatedUnion('cmd', [
  z.object({
    cmd: z.literal('start'),
    mode: z.enum(['core', 'bare', 'bare-durable']),
    url: z.string(),
    kioskId: z.string(),
    token: z.string(),
  }),
  /** Waits (bounded) until `count` were committed, then hands over the times and closes. */
  z.object({ cmd: z.literal('collect'), count: z.number(), timeoutMs: z.number() }),
  z.object({ cmd: z.literal('cpu') }),
  z.object({ cmd: z.literal('stop') }),
])

interface Sink {
  /** Push index → commit (or receive) time, first time only. */
  committed: Map<number, number>
  duplicates: number
  close(): Promise<void>
}

const dir = tempDir('bench-kiosk-')
let sink: Sink | null = null

/** The push index in a bench scene `<kioskId>:<i>`. */
function indexOf(scene: string): number {
  return Number(scene.slice(scene.indexOf(':') + 1))
}

async function startCore(url: string, kioskId: string, token: string): Promise<Sink> {
  const db = openKioskDb(join(dir, `${kioskId}.sqlite`))
  const meta = new MetaTable(db)
  const attendance = new AttendanceStore(db, {
    tickets: new TicketRepo(db, meta),
    roster: new RosterStore(db),
  })
  const cursor = new RelayCursorStore(db, meta, 'bench')
  const where = { kioskId, fallbackCampaignId: 'bench' }
  const s: Sink = { committed: new Map(), duplicates: 0, close: async () => {} }
  const link = new RelayLink({
    relayUrl: url,
    kioskId,
    token,
    cursor,
    // As the kiosk core does: a burst of frames is one transaction (one fsync) and one ack.
    onScans: (batch: readonly ScanDelivery[]) => {
      const now = Date.now()
      const inserted = cursor.commit(batch.at(-1)?.frame.seq ?? 0, () =>
        batch.map(({ frame }) => attendance.record(frame, where, now).inserted),
      )
      const at = monoMs()
      batch.forEach(({ frame }, k) => {
        const i = indexOf(frame.scene)
        if (!inserted[k] || s.committed.has(i)) s.duplicates++
        else s.committed.set(i, at)
      })
    },
    onState: () => {},
    backoffBaseMs: 50,
    backoffMaxMs: 500,
  })
  link.start()
  s.close = async () => {
    await link.stop()
    db.close()
  }
  await waitFor(() => link.status().state === 'connected', 5000)
  return s
}

async function startBare(url: string, durable: boolean): Promise<Sink> {
  const ws = new WebSocket(url)
  const log = durable ? appendLog(dir) : null
  const s: Sink = {
    committed: new Map(),
    duplicates: 0,
    close: () =>
      new Promise<void>((resolve) => {
        ws.once('close', () => resolve())
        ws.close()
      }),
  }
  ws.on('message', (d: Buffer) => {
    log?.(d)
    s.committed.set(Number(d.toString()), monoMs())
  })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return s
}

async function handle(raw: unknown): Promise<unknown> {
  const m = msgSchema.parse(raw)
  switch (m.cmd) {
    case 'start': {
      await sink?.close()
      sink =
        m.mode === 'core'
          ? await startCore(m.url, m.kioskId, m.token)
          : await startBare(m.url, m.mode === 'bare-durable')
      return {}
    }
    case 'collect': {
      const s = sink
      if (s === null) throw new Error('not started')
      await waitFor(() => s.committed.size >= m.count, m.timeoutMs)
      await s.close()
      sink = null
      return { times: [...s.committed], duplicates: s.duplicates }
    }
    case 'cpu': {
      const c = process.cpuUsage()
      return { ms: (c.user + c.system) / 1000 }
    }
    case 'stop': {
      await sink?.close()
      rmSync(dir, { recursive: true, force: true })
      setImmediate(() => process.exit(0))
      return {}
    }
  }
}

answerParent(handle)

// The visitor's greeting goes to the screen before the kiosk's commit of their scan (its fsync)
// while the ack to the relay still waits for that commit: the screen starts on the greeting
// while the disk syncs (issue 22 item 4), and nothing the relay sent is acked unstored.
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { AttendanceRow, Greeting } from '../../shared/domain'
import { cleanup, kioskOn, onCleanup, startPlatform, waitFor } from './helpers'

afterEach(cleanup)

describe('greeting before the commit', () => {
  it('tells the screen while the scan is written but not yet committed; the rest after', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    // A second connection to the kiosk's database sees only what is committed (WAL).
    const other = new Database(core.db.name, { readonly: true, fileMustExist: true })
    onCleanup(() => void other.close())
    const committed = (eventId: string): boolean =>
      other.prepare('SELECT 1 FROM attendance WHERE event_id = ?').get(eventId) !== undefined
    const seen: Array<{ what: string; eventId: string; committed: boolean }> = []
    const greetings: Greeting[] = []
    core.on('greeting', (g) => {
      greetings.push(g)
      seen.push({ what: 'greeting', eventId: g.eventId, committed: committed(g.eventId) })
    })
    core.on('attendance', (r: AttendanceRow) =>
      seen.push({ what: 'attendance', eventId: r.eventId, committed: committed(r.eventId) }),
    )
    await waitFor(() => core.status().relay.state === 'connected', 'relay link')

    for (const openid of ['o_a', 'o_b']) {
      const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
      const before = seen.length
      await p.sandbox.scan(shown.url, openid)
      await waitFor(() => seen.length >= before + 2, 'greeting and attendance')
    }
    const ids = greetings.map((g) => g.eventId)
    expect(seen).toEqual([
      { what: 'greeting', eventId: ids[0], committed: false },
      { what: 'attendance', eventId: ids[0], committed: true },
      { what: 'greeting', eventId: ids[1], committed: false },
      { what: 'attendance', eventId: ids[1], committed: true },
    ])
    expect(greetings.map((g) => g.checkInNumber)).toEqual([1, 2])
  })
})

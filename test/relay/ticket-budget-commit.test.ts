/**
 * The SQLite store takes a kiosk's ticket budget in its group commit, not in a transaction of
 * its own on the caller's turn: that was an fsync on the event loop for every ticket request,
 * with pushes waiting behind it (bench `tickets.sqlite.*`, docs/BENCHMARKS.md). Takes of one
 * turn commit together (non-durable, as acks), and still never pass the budget.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'

let dir: string
let store: RelayStore
let reader: Database.Database

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-budget-'))
  store = openSqliteStore({ data: dir })
  reader = new Database(join(dir, 'relay.sqlite'), { readonly: true })
})

afterEach(async () => {
  reader.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const spent = (kioskId: string): number[] =>
  reader
    .prepare('SELECT spent FROM ticket_budget WHERE kiosk_id = ?')
    .pluck()
    .all(kioskId) as number[]

it('takes and gives back budget in the group commit, later in the turn, never past the budget', async () => {
  const takes = Array.from({ length: 6 }, () => store.takeTicketBudget('k1', '2026-12-05', 3, 10))
  // Nothing is written on the caller's turn: the take waits for the next batch.
  expect(spent('k1')).toEqual([])
  expect(await Promise.all(takes)).toEqual([3, 3, 3, 1, 0, 0])
  expect(spent('k1')).toEqual([10])
  const back = store.returnTicketBudget('k1', '2026-12-05', 4)
  expect(spent('k1')).toEqual([10])
  await back
  expect(spent('k1')).toEqual([6])
})

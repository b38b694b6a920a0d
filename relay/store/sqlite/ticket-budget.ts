/**
 * The ticket-budget half of the SQLite store: per kiosk and quota day, how many tickets the
 * proxy has taken of the kiosk's daily budget. Each step runs whole inside the caller's write
 * (the store's group commit: one transaction, each write in its own savepoint, run one after
 * another), so two requests never both take the last ticket.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { statement } from './statements'

type Db = Database.Database

const spentRow = z.object({ spent: z.number().int() })

export function takeTicketBudget(
  db: Db,
  kioskId: string,
  day: string,
  want: number,
  budget: number,
): number {
  const row = statement(db, 'SELECT spent FROM ticket_budget WHERE kiosk_id = ? AND day = ?').get(
    kioskId,
    day,
  )
  const spent = row === undefined ? 0 : spentRow.parse(row).spent
  const take = Math.max(0, Math.min(want, budget - spent))
  if (take === 0) return 0
  statement(
    db,
    `INSERT INTO ticket_budget (kiosk_id, day, spent) VALUES (?, ?, ?)
         ON CONFLICT (kiosk_id, day) DO UPDATE SET spent = spent + excluded.spent`,
  ).run(kioskId, day, take)
  return take
}

export function returnTicketBudget(db: Db, kioskId: string, day: string, count: number): void {
  statement(
    db,
    'UPDATE ticket_budget SET spent = max(0, spent - ?) WHERE kiosk_id = ? AND day = ?',
  ).run(count, kioskId, day)
}

/** Drops the counts of quota days before `today` (they can no longer refuse anything). */
export function pruneTicketBudget(db: Db, today: string): void {
  statement(db, 'DELETE FROM ticket_budget WHERE day < ?').run(today)
}

/** One numbered step of the kiosk database's schema (its own file: the steps and the list both use it). */
import type Database from 'better-sqlite3'

export interface Migration {
  version: number
  name: string
  up(db: Database.Database): void
}

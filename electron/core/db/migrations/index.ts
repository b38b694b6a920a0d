import type Database from 'better-sqlite3'
import { m001Initial } from './001-initial'
import { m002FallbackCode } from './002-fallback-code'

export interface Migration {
  version: number
  name: string
  up(db: Database.Database): void
}

/** In order; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly Migration[] = [m001Initial, m002FallbackCode]

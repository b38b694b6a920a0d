import { m001Initial } from './001-initial'
import { m002FallbackCode } from './002-fallback-code'
import type { Migration } from './migration'

export type { Migration }

/** In order; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly Migration[] = [m001Initial, m002FallbackCode]

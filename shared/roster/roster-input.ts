import { searchQueryKey } from './search-key'

/** One roster row as a file gives it, and the key that makes re-importing it an update. */
export interface RosterInput {
  name: string
  company: string
  phone: string
  code: string
}

/**
 * Re-importing the same list updates entries instead of doubling them: by code, else name +
 * phone. The phone is the number, not its spelling: folded as the desk search folds a typed
 * number (search-key.ts: width, spaces, dashes, brackets, invisible marks, China's country
 * code), so `138 0013 8000` and `+86 13800138000` are one guest. The name and the code are
 * compared as they read, not as they are encoded (NFC): `Nguyễn` precomposed, as one phone types
 * it, and decomposed (a letter then its stacked marks), as a Mac or a web form may save it, are
 * one guest. Keys written before are rewritten by the kiosk's migrations 009 (phone as written)
 * and 010 (decomposed names); the relay keeps a stored guest's id
 * (relay/console/roster-routes.ts).
 */
export function rosterMatchKey(r: RosterInput): string {
  return r.code !== ''
    ? `code:${r.code.normalize('NFC')}`
    : `name:${r.name.normalize('NFC')}\u0000${searchQueryKey(r.phone)}`
}

export { MAX_ROSTER_FILE_BYTES } from '../errors'

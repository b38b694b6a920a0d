/** One roster row as a file gives it, and the key that makes re-importing it an update. */
export interface RosterInput {
  name: string
  company: string
  phone: string
  code: string
}

/** Re-importing the same list updates entries instead of doubling them: by code, else name + phone. */
export function rosterMatchKey(r: RosterInput): string {
  return r.code !== '' ? `code:${r.code}` : `name:${r.name}\u0000${r.phone}`
}

/** The largest roster file either side takes (the kiosk's import and the relay's upload). */
export const MAX_ROSTER_FILE_BYTES = 10 * 1024 * 1024

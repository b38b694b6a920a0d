/** Flags shared by the kiosk commands. */
import { resolve } from 'node:path'

export function dataDirFrom(flag: string | undefined): string {
  return resolve(flag ?? process.env.SCANDESK_DATA ?? 'kiosk-data')
}

/** Organizer accounts for `relay organizer add|list|remove` (the relay CLI). */
import { organizerNameSchema } from '../../shared/console-api'
import type { OrganizerRecord } from '../store/console-types'
import type { RelayStore } from '../store/types'
import { generatePassword, hashPassword } from './passwords'

export class OrganizerAdminError extends Error {
  override name = 'OrganizerAdminError'
}

/** Creates the organizer with a generated password and returns it (only its hash is kept). */
export async function addOrganizer(store: RelayStore, name: string, now: number): Promise<string> {
  const parsed = organizerNameSchema.safeParse(name)
  if (!parsed.success) {
    throw new OrganizerAdminError(
      `organizer name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    )
  }
  const password = generatePassword()
  const record: OrganizerRecord = {
    name: parsed.data,
    passwordHash: await hashPassword(password),
    createdAt: now,
  }
  if (!(await store.console.addOrganizer(record))) {
    throw new OrganizerAdminError(
      `organizer ${parsed.data} exists; remove it first for a new password`,
    )
  }
  return password
}

export async function removeOrganizer(store: RelayStore, name: string): Promise<void> {
  if (!(await store.console.removeOrganizer(name))) {
    throw new OrganizerAdminError(`no organizer ${name}`)
  }
}

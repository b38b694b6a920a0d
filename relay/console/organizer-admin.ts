/** Organizer accounts for `relay organizer add|list|remove|unlock` (the relay CLI). */
import { normalizeOrganizerName, organizerNameSchema } from '../../shared/console-api'
import { newOrganizerGeneration, type OrganizerRecord } from '../store/console-types'
import type { RelayStore } from '../store/types'
import { nameLockoutKey } from './lockout'
import { generatePassword, hashPassword } from './passwords'

export class OrganizerAdminError extends Error {
  override name = 'OrganizerAdminError'
}

/**
 * Creates the organizer with a generated password and returns it (only its hash is kept). The
 * name is kept as sign-in reads it (`Alice` is kept as alice: normalizeOrganizerName). A new
 * account starts unlocked: whatever failed sign-ins the name had (someone keeping it locked
 * out) are forgotten.
 */
export async function addOrganizer(store: RelayStore, name: string, now: number): Promise<string> {
  const parsed = organizerNameSchema.safeParse(normalizeOrganizerName(name))
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
    // A new account: the sessions and device cookies of an earlier one of this name are not its.
    generation: newOrganizerGeneration(),
  }
  if (!(await store.console.addOrganizer(record))) {
    throw new OrganizerAdminError(
      `organizer ${parsed.data} exists; remove it first for a new password`,
    )
  }
  await store.console.settleLoginAttempt(nameLockoutKey(record.name), true, now)
  return password
}

/**
 * Remove and unlock take the name as sign-in and add do (`Alice` is alice): names are kept in
 * lower case only, so another spelling can mean no other organizer.
 */
export async function removeOrganizer(store: RelayStore, typed: string): Promise<string> {
  const name = normalizeOrganizerName(typed)
  if (!(await store.console.removeOrganizer(name))) {
    throw new OrganizerAdminError(`no organizer ${name}`)
  }
  return name
}

/**
 * Lifts the name's sign-in lockout (its failed attempts are forgotten): for an organizer kept out
 * by someone trying their name from a browser the relay does not know.
 */
export async function unlockOrganizer(store: RelayStore, typed: string): Promise<string> {
  const name = normalizeOrganizerName(typed)
  if ((await store.console.getOrganizer(name)) === null) {
    throw new OrganizerAdminError(`no organizer ${name}`)
  }
  await store.console.settleLoginAttempt(nameLockoutKey(name), true, Date.now())
  return name
}

/**
 * `relay organizer unlock|remove <name>` take the name as sign-in does (any case, spaces around
 * it, full width: shared/console-api.ts normalizeOrganizerName). `organizer unlock Alice`, for
 * the organizer who signs in as "Alice", said "no organizer Alice" and lifted nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  addOrganizer,
  OrganizerAdminError,
  removeOrganizer,
  unlockOrganizer,
} from '../../relay/console/organizer-admin'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'

describe('organizer names on the relay CLI', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const store = (): RelayStore => {
    const data = mkdtempSync(join(tmpdir(), 'organizer-names-'))
    const s = openSqliteStore({ data })
    cleanups.push(() => rmSync(data, { recursive: true, force: true }))
    cleanups.push(() => s.close())
    return s
  }

  it('unlocks and removes the name however it is typed, as sign-in takes it', async () => {
    const s = store()
    await addOrganizer(s, 'alice', Date.now())
    const settle = vi.spyOn(s.console, 'settleLoginAttempt')
    expect(await unlockOrganizer(s, 'Alice')).toBe('alice')
    // The lockout counts by the name as stored: that counter is the one cleared.
    expect(settle).toHaveBeenCalledWith('name:alice', true, expect.any(Number))
    await unlockOrganizer(s, ' ａｌｉｃｅ ')
    expect(await removeOrganizer(s, 'ALICE')).toBe('alice')
    expect(await s.console.listOrganizers()).toEqual([])
    await expect(removeOrganizer(s, 'Alice')).rejects.toThrow(OrganizerAdminError)
    await expect(unlockOrganizer(s, 'nobody')).rejects.toThrow('no organizer nobody')
  })

  it('adds the name as sign-in will read it', async () => {
    const s = store()
    // `organizer add Alice` was refused ("a-z 0-9 …"), though sign-in takes Alice as alice.
    const password = await addOrganizer(s, ' Alice ', Date.now())
    expect(password.length).toBeGreaterThan(20)
    expect((await s.console.listOrganizers()).map((o) => o.name)).toEqual(['alice'])
    await expect(addOrganizer(s, 'ALICE', Date.now())).rejects.toThrow('organizer alice exists')
    await expect(addOrganizer(s, 'Al ice', Date.now())).rejects.toThrow(OrganizerAdminError)
  })
})

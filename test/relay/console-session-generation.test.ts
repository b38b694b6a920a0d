// An organizer's sessions end with the organizer, whatever the clocks say (both stores): a
// session belongs to one account (its generation, a random value made when the organizer was
// added), not to whichever organizer of that name is newer than it. A session from before
// `organizer remove` + `add` of the same name stays dead when the new account's creation time
// is equal to or earlier than the session's (clock skew between relay instances, or both steps
// in one millisecond), and one signed in on an instance whose clock is behind the one that
// added the organizer still works. Records from before generations: Redis fills the
// organizer's at its next read and lets a session without one use the creation-time rule until
// it expires; SQLite migration 18 gives every organizer one and copies it to the sessions that
// held then. Removing an organizer on Redis (its hash and the name set, two Cluster slots): a
// failure between the steps leaves no account, and a name added again meanwhile stays listed.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { sessionInfoSchema } from '../../shared/console-api'
import { migrate } from '../../shared/server/migrate'
import { addOrganizer, removeOrganizer } from '../../relay/console/organizer-admin'
import { hashSessionId, resumeSession, SESSION_MAX_MS } from '../../relay/console/sessions'
import { redisKeys } from '../../relay/store/redis/keys'
import { openRedisStore } from '../../relay/store/redis/store'
import { migrations } from '../../relay/store/sqlite/migrations'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayHandle } from '../../relay/server'
import { Clock, ConsoleClient, consoleTestBed, type Place } from './console-helpers'
import { tempDir, type Backend } from './harness'

const bed = consoleTestBed()
const place = (backend: Backend): Place => bed.place(backend)

function relayOn(p: Place, clock: Clock): Promise<RelayHandle> {
  return bed.relay(p, { now: clock.now })
}

const GENERATION = /^[0-9a-f]{32}$/

describe.each(['sqlite', 'redis'] as const)('console session generations (%s store)', (backend) => {
  for (const [what, offset] of [
    ['at the same millisecond', 0],
    ['a clock 5 s behind', -5_000],
  ] as const) {
    it(`a session from before remove-and-add stays dead when the new account is added ${what}`, async () => {
      const clock = new Clock()
      const p = place(backend)
      const relay = await relayOn(p, clock)
      const first = await addOrganizer(relay.store, 'alice', clock.t)
      const c = new ConsoleClient(relay.url)
      expect((await c.login('alice', first)).status).toBe(200)
      const old = c.cookie
      expect((await c.call('GET', '/console/api/session')).status).toBe(200)
      // Another process removes and adds alice again, its clock not ahead of the sign-in.
      await removeOrganizer(relay.store, 'alice')
      const again = await addOrganizer(relay.store, 'alice', clock.t + offset)
      c.cookie = old
      const after = await c.call('GET', '/console/api/session')
      expect(after.status, after.text).toBe(401)
      // Neither on another instance (Redis) nor after a restart (SQLite).
      if (backend === 'redis') {
        const other = await relayOn(p, clock)
        const o = new ConsoleClient(other.url)
        o.cookie = old
        expect((await o.call('GET', '/console/api/session')).status).toBe(401)
      }
      // The new account signs in as usual.
      const fresh = new ConsoleClient(relay.url)
      expect((await fresh.login('alice', again)).status).toBe(200)
      expect((await fresh.call('GET', '/console/api/session')).status).toBe(200)
    })
  }

  it('a session signed in on an instance whose clock is behind the one that added the organizer holds', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    // Added by a process whose clock runs 5 s ahead of this relay's.
    const password = await addOrganizer(relay.store, 'alice', clock.t + 5_000)
    const c = new ConsoleClient(relay.url)
    const signedIn = await c.login('alice', password)
    expect(signedIn.status).toBe(200)
    const who = await c.call('GET', '/console/api/session')
    expect(who.status, who.text).toBe(200)
    expect(sessionInfoSchema.parse(who.json).name).toBe('alice')
  })

  it('every organizer gets its own generation, and every session its organizer’s', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    await addOrganizer(relay.store, 'alice', clock.t)
    await addOrganizer(relay.store, 'bob', clock.t)
    const [alice, bob] = await relay.store.console.listOrganizers()
    expect(alice?.generation).toMatch(GENERATION)
    expect(bob?.generation).toMatch(GENERATION)
    expect(alice?.generation).not.toBe(bob?.generation)
    await removeOrganizer(relay.store, 'alice')
    await addOrganizer(relay.store, 'alice', clock.t)
    const again = await relay.store.console.getOrganizer('alice')
    expect(again?.generation).toMatch(GENERATION)
    expect(again?.generation).not.toBe(alice?.generation)
  })
})

describe('Redis records from before generations', () => {
  it('an organizer without one gets one at its next read, the same for every reader', async () => {
    const prefix = `legacy-${Date.now()}:`
    const keys = redisKeys(prefix)
    const raw = new Redis(bed.redisUrl)
    const a = await openRedisStore({ url: bed.redisUrl, prefix })
    const b = await openRedisStore({ url: bed.redisUrl, prefix })
    bed.cleanups.push(
      () => a.close(),
      () => b.close(),
      () => raw.quit(),
    )
    const t = Date.parse('2026-05-01T10:00:00Z')
    // As a relay before generations wrote them.
    await raw.hset(keys.organizer('alice'), { passwordHash: 'scrypt$x', createdAt: String(t) })
    await raw.sadd(keys.organizers, 'alice')
    const id = 'S'.repeat(43)
    const sessionKey = keys.consoleSession(hashSessionId(id))
    await raw.hset(sessionKey, {
      name: 'alice',
      createdAt: String(t + 10),
      lastSeenAt: String(t + 10),
      expiresAt: String(t + 10 + SESSION_MAX_MS),
    })
    const [first, second] = await Promise.all([
      a.console.getOrganizer('alice'),
      b.console.getOrganizer('alice'),
    ])
    expect(first?.generation).toMatch(GENERATION)
    expect(second?.generation).toBe(first?.generation)
    expect(await raw.hget(keys.organizer('alice'), 'generation')).toBe(first?.generation)
    expect((await a.console.listOrganizers()).map((o) => o.generation)).toEqual([first?.generation])
    // The session from before: the creation-time rule until it expires.
    const before = await b.console.getSession(hashSessionId(id))
    expect(before?.generation).toBeNull()
    expect(await resumeSession(a.console, id, t + 20)).not.toBeNull()
    // Removed and added again later: over.
    expect(await a.console.removeOrganizer('alice')).toBe(true)
    expect(await a.console.getOrganizer('alice')).toBeNull()
    // The read of a removed organizer wrote nothing back.
    expect(await raw.exists(keys.organizer('alice'))).toBe(0)
    await addOrganizer(a, 'alice', t + 15)
    expect(await resumeSession(a.console, id, t + 20)).toBeNull()
  })
})

/**
 * A Redis store under a fresh prefix, and an admin connection whose ACL changes refuse the
 * store's commands; every command is allowed again at cleanup.
 */
async function storeWithAcl(name: string) {
  const store = await openRedisStore({ url: bed.redisUrl, prefix: `${name}-${Date.now()}:` })
  const admin = new Redis(bed.redisUrl)
  bed.cleanups.push(
    () => store.close(),
    async () => {
      await admin.call('ACL', 'SETUSER', 'default', '+@all')
      await admin.quit()
    },
  )
  return { store, admin }
}

describe('Redis organizer removal', () => {
  it('a failure after the account is gone leaves only a name the list skips', async () => {
    const { store, admin } = await storeWithAcl('remove')
    const t = Date.parse('2026-05-01T10:00:00Z')
    await addOrganizer(store, 'alice', t)
    await addOrganizer(store, 'bob', t)
    const alice = await store.console.getOrganizer('alice')
    if (alice === null) throw new Error('alice was not added')
    const id = 'A'.repeat(43)
    await store.console.putSession({
      idHash: hashSessionId(id),
      name: 'alice',
      generation: alice.generation,
      createdAt: t,
      lastSeenAt: t,
      expiresAt: t + SESSION_MAX_MS,
    })
    // The name set's step (in another Cluster slot than the account) is refused.
    await admin.call('ACL', 'SETUSER', 'default', '-srem')
    await expect(store.console.removeOrganizer('alice')).rejects.toThrow()
    await admin.call('ACL', 'SETUSER', 'default', '+@all')
    // The account is gone all the same: no sign-in, no session, not listed.
    expect(await store.console.getOrganizer('alice')).toBeNull()
    expect(await resumeSession(store.console, id, t + 1)).toBeNull()
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['bob'])
    // Added again, it is listed once; removed again, it is gone from the list.
    await addOrganizer(store, 'alice', t)
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['alice', 'bob'])
    expect(await store.console.removeOrganizer('alice')).toBe(true)
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['bob'])
  })
  it('a name added again while its removal runs stays listed', async () => {
    const prefix = `readd-${Date.now()}:`
    const store = await openRedisStore({ url: bed.redisUrl, prefix })
    const other = await openRedisStore({ url: bed.redisUrl, prefix })
    bed.cleanups.push(
      () => store.close(),
      () => other.close(),
    )
    const t = Date.parse('2026-05-01T10:00:00Z')
    await addOrganizer(store, 'alice', t)
    // Another process adds alice again between the removal's DEL and its SREM.
    // (The once-implementation is used up when it runs: its own SREM is the real one.)
    const spy = vi.spyOn(Redis.prototype, 'srem').mockImplementationOnce(async function (
      this: Redis,
      key,
      members,
    ) {
      await addOrganizer(other, 'alice', t)
      return this.srem(key, members)
    })
    bed.cleanups.push(() => spy.mockRestore())
    expect(await store.console.removeOrganizer('alice')).toBe(true)
    expect(spy).toHaveBeenCalled()
    const again = await store.console.getOrganizer('alice')
    expect(again).not.toBeNull()
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['alice'])
  })
})

describe('Redis organizer add', () => {
  const t = Date.parse('2026-05-01T10:00:00Z')

  it('a failure at the name set leaves no account that the list does not show', async () => {
    const { store, admin } = await storeWithAcl('add-sadd')
    await addOrganizer(store, 'bob', t)
    // The name set's step (in another Cluster slot than the account) is refused.
    await admin.call('ACL', 'SETUSER', 'default', '-sadd')
    await expect(addOrganizer(store, 'alice', t)).rejects.toThrow()
    await admin.call('ACL', 'SETUSER', 'default', '+@all')
    // No account that signs in but `organizer list` leaves out.
    expect(await store.console.getOrganizer('alice')).toBeNull()
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['bob'])
    await addOrganizer(store, 'alice', t)
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['alice', 'bob'])
  })

  it('a failure at the account leaves only a name the list skips', async () => {
    const { store, admin } = await storeWithAcl('add-eval')
    await admin.call('ACL', 'SETUSER', 'default', '-eval')
    await expect(addOrganizer(store, 'alice', t)).rejects.toThrow()
    await admin.call('ACL', 'SETUSER', 'default', '+@all')
    expect(await store.console.getOrganizer('alice')).toBeNull()
    expect(await store.console.listOrganizers()).toEqual([])
    // Added again it is listed once; removed, it is gone.
    await addOrganizer(store, 'alice', t)
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['alice'])
    expect(await store.console.removeOrganizer('alice')).toBe(true)
    expect(await store.console.listOrganizers()).toEqual([])
  })

  it('a removal of the old account run between the steps leaves the new one listed', async () => {
    const prefix = `add-remove-${Date.now()}:`
    const store = await openRedisStore({ url: bed.redisUrl, prefix })
    const other = await openRedisStore({ url: bed.redisUrl, prefix })
    bed.cleanups.push(
      () => store.close(),
      () => other.close(),
    )
    await addOrganizer(store, 'alice', t)
    // Another process removes the old alice (DEL, SREM, its put-back check) after the add's
    // first step and before the account is written.
    const spy = vi.spyOn(Redis.prototype, 'eval').mockImplementationOnce(async function (
      this: Redis,
      ...args: Parameters<Redis['eval']>
    ) {
      await removeOrganizer(other, 'alice')
      return this.eval(...args)
    })
    bed.cleanups.push(() => spy.mockRestore())
    await addOrganizer(store, 'alice', t)
    expect(spy).toHaveBeenCalled()
    expect(await store.console.getOrganizer('alice')).not.toBeNull()
    expect((await store.console.listOrganizers()).map((o) => o.name)).toEqual(['alice'])
  })
})

describe('SQLite migration 18', () => {
  it('gives every organizer a generation and keeps the sessions that held', async () => {
    const data = tempDir('relay-m18-')
    bed.cleanups.push(() => rmSync(data, { recursive: true, force: true }))
    const db = new Database(join(data, 'relay.sqlite'))
    const t = Date.parse('2026-05-01T10:00:00Z')
    const live = 'L'.repeat(43)
    const older = 'O'.repeat(43)
    const bobs = 'B'.repeat(43)
    try {
      migrate(db, migrations.slice(0, 17), 'relay store')
      const organizer = db.prepare(
        'INSERT INTO organizers (name, password_hash, created_at) VALUES (?, ?, ?)',
      )
      const session = db.prepare(
        `INSERT INTO console_sessions (id_hash, name, created_at, last_seen_at, expires_at)
           VALUES (?, ?, ?, ?, ?)`,
      )
      organizer.run('alice', 'scrypt$a', t)
      organizer.run('bob', 'scrypt$b', t)
      session.run(hashSessionId(live), 'alice', t + 10, t + 10, t + 10 + SESSION_MAX_MS)
      // From an earlier alice (the current one is newer): dead then, dead now.
      session.run(hashSessionId(older), 'alice', t - 10, t - 10, t - 10 + SESSION_MAX_MS)
      session.run(hashSessionId(bobs), 'bob', t, t, t + SESSION_MAX_MS)
    } finally {
      db.close()
    }
    const store = openSqliteStore({ data, pollMs: 50 })
    bed.cleanups.push(() => store.close())
    const [alice, bob] = await store.console.listOrganizers()
    expect(alice?.generation).toMatch(GENERATION)
    expect(bob?.generation).toMatch(GENERATION)
    expect(alice?.generation).not.toBe(bob?.generation)
    expect((await store.console.getSession(hashSessionId(live)))?.generation).toBe(
      alice?.generation,
    )
    expect(await resumeSession(store.console, live, t + 20)).not.toBeNull()
    expect(await resumeSession(store.console, bobs, t + 20)).not.toBeNull()
    expect(await resumeSession(store.console, older, t + 20)).toBeNull()
    // And a remove-and-add in the same millisecond ends the migrated session too.
    await removeOrganizer(store, 'alice')
    await addOrganizer(store, 'alice', t)
    expect(await resumeSession(store.console, live, t + 20)).toBeNull()
  })
})

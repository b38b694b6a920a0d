// Revoking a kiosk voids its unused pairing code and marks it revoked in one atomic step, in
// both stores. Two steps (the code dropped, then the kiosk marked) could stop halfway: a store
// error or a crash between them left the code gone and the kiosk not revoked, and a code the
// console issued in between outlived the revocation (redeeming it takes the revocation back).
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { addKiosk, revokeKiosk } from '../../relay/kiosk-admin'
import { hashPairingCode, issuePairingCode } from '../../relay/pairing-codes'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'
import { storePlaces } from './store-backends'

const at = storePlaces('revoke')
const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Bed {
  store: RelayStore
  /** Makes the store fail every write of a kiosk's revocation mark, until `mend`. */
  breakRevocation: () => Promise<void>
  mend: () => Promise<void>
}

const backends: Record<'sqlite' | 'redis', () => Promise<Bed>> = {
  sqlite: () => {
    const dir = at.dir()
    const store = openSqliteStore({ data: dir, pollMs: 20 })
    cleanups.push(() => store.close())
    return Promise.resolve({
      store,
      breakRevocation() {
        // Another connection to the file, as a second process would be.
        const db = new Database(join(dir, 'relay.sqlite'))
        db.exec(`CREATE TRIGGER no_revoke BEFORE UPDATE OF revoked_at ON kiosks
                   BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
        db.close()
        return Promise.resolve()
      },
      mend() {
        const db = new Database(join(dir, 'relay.sqlite'))
        db.exec('DROP TRIGGER no_revoke')
        db.close()
        return Promise.resolve()
      },
    })
  },
  redis: async () => {
    const store = await openRedisStore({ url: at.redis.url, prefix: at.prefix('t') })
    cleanups.push(() => store.close())
    const admin = new Redis(at.redis.url)
    cleanups.push(async () => {
      await admin.call('ACL', 'SETUSER', 'default', '+@all')
      admin.disconnect()
    })
    return {
      store,
      async breakRevocation() {
        // The server refuses the command that marks a kiosk revoked (a script's call too).
        await admin.call('ACL', 'SETUSER', 'default', '-hsetnx')
      },
      async mend() {
        await admin.call('ACL', 'SETUSER', 'default', '+@all')
      },
    }
  },
}

const T0 = Date.parse('2026-05-01T10:00:00Z')

async function pending(store: RelayStore, kioskId: string): Promise<number | null> {
  return (await store.console.kioskMeta([kioskId], T0)).get(kioskId)?.pairingExpiresAt ?? null
}

describe.each(['sqlite', 'redis'] as const)('revoking a kiosk (%s store)', (backend) => {
  it('voids its unused code and marks it revoked, or does neither when the store fails', async () => {
    const { store, breakRevocation, mend } = await backends[backend]()
    await addKiosk(store, 'k1', { onlyIfNew: true }, T0)
    const { code } = await issuePairingCode(store.console, 'k1', T0)
    expect(await pending(store, 'k1')).not.toBeNull()

    await breakRevocation()
    await expect(revokeKiosk(store, 'k1', T0 + 1)).rejects.toThrow()
    // Before: the code was dropped and the kiosk left as it was, half revoked.
    expect((await store.getKiosk('k1'))?.revokedAt).toBeNull()
    expect(await pending(store, 'k1')).not.toBeNull()
    // Nothing was done, so the revoke is simply asked again.
    await mend()
    expect(await revokeKiosk(store, 'k1', T0 + 2)).toBe(true)
    expect((await store.getKiosk('k1'))?.revokedAt).toBe(T0 + 2)
    expect(await pending(store, 'k1')).toBeNull()
    const late = await store.console.redeemPairingCode(hashPairingCode(code), 'k1', 'h', T0 + 3)
    expect(late.status).toBe('unknown')
  })

  it('behaves alike in both stores: code voided, revoked once, used codes remembered', async () => {
    const { store } = await backends[backend]()
    await addKiosk(store, 'k1', { onlyIfNew: true }, T0)
    const used = await issuePairingCode(store.console, 'k1', T0)
    await store.console.redeemPairingCode(hashPairingCode(used.code), 'k1', 'h1', T0)
    const { code } = await issuePairingCode(store.console, 'k1', T0)

    expect(await revokeKiosk(store, 'k1', T0 + 1)).toBe(true)
    expect((await store.getKiosk('k1'))?.revokedAt).toBe(T0 + 1)
    expect(await pending(store, 'k1')).toBeNull()
    const late = await store.console.redeemPairingCode(hashPairingCode(code), 'k1', 'h2', T0 + 2)
    expect(late.status).not.toBe('paired')
    // The used code still answers "used" (410), not "unknown".
    const again = await store.console.redeemPairingCode(hashPairingCode(used.code), 'k1', 'h3', T0)
    expect(again).toEqual({ status: 'used' })

    // A code issued for the revoked kiosk (re-pairing) is voided by a second revoke, which
    // keeps the first revocation's time.
    await issuePairingCode(store.console, 'k1', T0 + 3)
    expect(await revokeKiosk(store, 'k1', T0 + 4)).toBe(true)
    expect((await store.getKiosk('k1'))?.revokedAt).toBe(T0 + 1)
    expect(await pending(store, 'k1')).toBeNull()

    expect(await revokeKiosk(store, 'nope', T0)).toBe(false)
    expect(await store.getKiosk('nope')).toBeNull()
  })
})

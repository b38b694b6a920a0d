// Opening the Redis store where no Redis answers: the error says why (what ioredis reported on
// its 'error' event), not only ioredis's "Connection is closed.", so `kiosk add --redis …` or
// a relay started against a wrong address names the address and the reason.
import { describe, expect, it } from 'vitest'
import { openRedisStore } from '../../relay/store/redis/store'

describe('opening the Redis store without a Redis', () => {
  it('names the address and the reason when nothing listens there', async () => {
    // Port 1 on loopback: refused at once.
    const err = await openRedisStore({ url: 'redis://127.0.0.1:1' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/Redis.*ECONNREFUSED 127\.0\.0\.1:1/)
    // The setting that chose the address, as a container or a unit file spells it.
    expect((err as Error).message).toContain('the redis setting (--redis, SCANDESK_RELAY_REDIS)')
  })

  it('names a socket path that does not exist', async () => {
    const path = '/tmp/scandesk-no-such-redis.sock'
    const err = await openRedisStore({ url: path }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/Redis.*ENOENT .*scandesk-no-such-redis\.sock/)
  })

  it('keeps a password in the address out of the message', async () => {
    const url = 'redis://:s3cret-pass@127.0.0.1:1'
    const err = await openRedisStore({ url }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/ECONNREFUSED/)
    expect((err as Error).message).not.toContain('s3cret-pass')
  })
})

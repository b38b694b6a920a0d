/**
 * Integer scenes (contract v1 "Scene values"): routed by the ranges kiosks register, which never
 * overlap between kiosks, so a kiosk only ever receives its own scenes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { TOKEN, postPush, scanXml, signedQuery, startTestRelay, type Backend } from './harness'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

describe.each<Backend>(['sqlite', 'redis'])('integer scene ranges on %s', (backend) => {
  let relay: RelayHandle | null = null
  afterEach(async () => {
    await relay?.close()
    relay = null
  })

  it('refuses a kiosk’s new ranges that reach into another kiosk’s, beside its own old one', async () => {
    const r = (relay = await startTestRelay(backend, redis.url))
    await r.addKiosk('k1', { sceneRanges: [{ lo: 1, hi: 100 }] })
    await r.addKiosk('k2', { sceneRanges: [{ lo: 150, hi: 160 }] })
    // k2's own old range is the one starting nearest below 155: k1's 1-100 overlaps all the same.
    await expect(
      r.addKiosk('k2', { sceneRanges: [{ lo: 50, hi: 155 }], rotate: true }),
    ).rejects.toThrow("scene range 50-155 overlaps kiosk k1's 1-100")
    await expect(
      r.addKiosk('k3', {
        sceneRanges: [
          { lo: 90, hi: 95 },
          { lo: 155, hi: 170 },
        ],
      }),
    ).rejects.toThrow("scene range 90-95 overlaps kiosk k1's 1-100")
    expect((await postPush(r.url, scanXml('o', '60'), signedQuery(TOKEN))).status).toBe(200)
    expect((await r.store.readEvents('k1', 0, 10)).map((e) => e.scene)).toEqual(['60'])
    expect(await r.store.readEvents('k2', 0, 10)).toEqual([])
  })
})

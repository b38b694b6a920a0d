/** The Redis key layout's one rule: keys a script combines share a hash tag. */
import { describe, expect, it } from 'vitest'
import { redisKeys } from '../../relay/store/redis/keys'

/** The part of a key Redis Cluster hashes (the first `{…}` with something inside). */
function hashTag(key: string): string {
  const open = key.indexOf('{')
  const close = key.indexOf('}', open + 1)
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key
}

describe('redis key layout', () => {
  const keys = redisKeys('scandesk:')

  it('puts every key of one kiosk in its slot, and other kiosks elsewhere', () => {
    const tags = new Set(
      [
        keys.kiosk('k1'),
        keys.stream('k1'),
        keys.acks('k1'),
        keys.connectionGeneration('k1'),
        keys.dedup('k1', 'ev_abc'),
        keys.fallbackCode('k1'),
        // A scene is WeChat's text: braces in it do not move the key out of the kiosk's slot.
        keys.sceneClaim('k1', 'k1:{n}'),
        keys.fallbackLease('k1'),
        keys.ticketBudget('k1', '2026-05-20'),
      ].map(hashTag),
    )
    expect([...tags]).toEqual(['scandesk:k:k1'])
    expect(hashTag(keys.kiosk('k2'))).not.toBe('scandesk:k:k1')
    expect(hashTag(keys.kiosks)).toBe(hashTag(keys.ranges))
    expect(hashTag(keys.unrouted)).toBe(hashTag(keys.unroutedDedup('ev_abc')))
    expect(hashTag(`${keys.campaignTag('c1')}:attendance`)).toBe('scandesk:c:c1')
    // COMMIT_DRAW's keys: the campaign, its draw version and its draws, one slot.
    expect(
      new Set(
        [keys.campaign('c1'), keys.campaignDrawVersion('c1'), keys.campaignDraws('c1')].map(
          hashTag,
        ),
      ),
    ).toEqual(new Set(['scandesk:c:c1']))
  })

  it('puts the stamp rally’s keys in the campaign’s slot, whatever the openid holds', () => {
    for (const openid of ['o-1', 'o{x}', '}{'])
      expect(hashTag(keys.campaignStamps('c1', openid))).toBe('scandesk:c:c1')
    expect(hashTag(keys.campaignStampCompletions('c1'))).toBe('scandesk:c:c1')
  })

  it('refuses braces, which would move the hash tag', () => {
    expect(() => redisKeys('a}b:')).toThrow(RangeError)
    expect(() => keys.kiosk('k{1')).toThrow(RangeError)
    expect(() => keys.campaignTag('c}1')).toThrow(RangeError)
  })
})

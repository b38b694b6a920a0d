// The contract v2 frame schemas (shared/relay-protocol.ts, shared/campaign.ts): the largest
// campaign and roster frames fit what the kiosk accepts, and malformed or hostile ones are refused.
import { describe, expect, it } from 'vitest'
import {
  MAX_ROSTER_ENTRIES_PER_FRAME,
  relayCampaignSchema,
  toRelayCampaign,
  type RelayRosterEntry,
} from '../../shared/campaign'
import {
  MAX_RELAY_FRAME_BYTES,
  campaignFrameSchema,
  helloFrameSchema,
  relayFrameSchema,
  rosterChunkEnd,
  rosterFrameSchema,
  scanFrameSchema,
} from '../../shared/relay-protocol'
import { relayCampaign } from './fake-v2-relay'

/** Escaped by JSON.stringify to six bytes each: the worst case for a frame's size. */
const worst = (n: number) => '\u0001'.repeat(n)
/** The widest a text WeChat gets may be (no control characters there): 3 bytes a character. */
const worstWechat = (n: number) => '中'.repeat(n)

describe('v2 frames', () => {
  it('the largest possible campaign frame fits the kiosk frame limit', () => {
    const g = { first: worst(200), returning: worst(200), named: worst(200) }
    const campaign = relayCampaignSchema.parse({
      ...relayCampaign(),
      id: 'x'.repeat(64),
      name: worst(80),
      greetings: { 'zh-CN': g, en: g },
      reply: { subscribe: worstWechat(600), scan: worstWechat(600) },
      tag: worstWechat(30),
      followUp: worstWechat(600),
      stamps: Array.from({ length: 50 }, (_, i) => `k${i}`.padEnd(24, 'x')),
    })
    const json = JSON.stringify({ type: 'campaign', campaign, version: Number.MAX_SAFE_INTEGER })
    expect(Buffer.byteLength(json)).toBeLessThan(MAX_RELAY_FRAME_BYTES)
  })

  it('cuts rosters into frames under both limits, the worst-case entry included', () => {
    const big: RelayRosterEntry = {
      id: 'r'.repeat(64),
      name: worst(100),
      company: worst(200),
      phone: worst(40),
      code: worst(64),
      openid: worst(128),
    }
    const small: RelayRosterEntry = {
      ...big,
      id: 'r1',
      name: '张三',
      company: '',
      phone: '',
      code: '',
      openid: null,
    }
    for (const entries of [Array(1000).fill(small), Array(100).fill(big)]) {
      let start = 0
      while (start < entries.length) {
        const end = rosterChunkEnd(entries, start)
        expect(end).toBeGreaterThan(start)
        expect(end - start).toBeLessThanOrEqual(MAX_ROSTER_ENTRIES_PER_FRAME)
        const frame = {
          type: 'roster',
          campaignId: 'c'.repeat(64),
          rosterVersion: Number.MAX_SAFE_INTEGER,
          offset: start,
          total: entries.length,
          entries: entries.slice(start, end),
          final: end === entries.length,
        }
        expect(rosterFrameSchema.safeParse(frame).success).toBe(true)
        expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThanOrEqual(MAX_RELAY_FRAME_BYTES)
        start = end
      }
    }
  })

  it('refuses roster frames that run past their total, lie about final, or carry too many', () => {
    const e = { id: 'a', name: 'A', company: '', phone: '', code: '', openid: null }
    const base = {
      type: 'roster',
      campaignId: 'c1',
      rosterVersion: 1,
      offset: 0,
      total: 2,
      entries: [e],
      final: false,
    }
    expect(rosterFrameSchema.safeParse(base).success).toBe(true)
    expect(rosterFrameSchema.safeParse({ ...base, final: true }).success).toBe(false)
    expect(rosterFrameSchema.safeParse({ ...base, offset: 2 }).success).toBe(false)
    expect(rosterFrameSchema.safeParse({ ...base, offset: -1 }).success).toBe(false)
    const many = Array(MAX_ROSTER_ENTRIES_PER_FRAME + 1).fill(e)
    expect(
      rosterFrameSchema.safeParse({ ...base, total: many.length, entries: many, final: true })
        .success,
    ).toBe(false)
    expect(rosterFrameSchema.safeParse({ ...base, entries: [{ ...e, extra: 1 }] }).success).toBe(
      false,
    )
  })

  it('refuses campaigns with bad fields, and never carries the screen key to a kiosk', () => {
    const c = relayCampaign()
    expect(
      campaignFrameSchema.safeParse({ type: 'campaign', campaign: c, version: 1 }).success,
    ).toBe(true)
    expect(
      campaignFrameSchema.safeParse({ type: 'campaign', campaign: null, version: 1 }).success,
    ).toBe(true)
    const bad = [
      { ...c, endsAt: '2026-11-30' },
      { ...c, rotationSeconds: 5 },
      { ...c, ticketTtlSeconds: 2_592_001 },
      { ...c, mode: 'party' },
      { ...c, stamps: ['booth-1', 'booth-1'] },
      { ...c, stamps: ['Not A Kiosk'] },
      { ...c, id: '../etc' },
      { ...c, screenKey: 'k'.repeat(32) },
      { ...c, greetings: { ...c.greetings, en: { ...c.greetings.en, first: ' ' } } },
    ]
    for (const campaign of bad) {
      expect(
        campaignFrameSchema.safeParse({ type: 'campaign', campaign, version: 1 }).success,
      ).toBe(false)
    }
    expect(
      campaignFrameSchema.safeParse({ type: 'campaign', campaign: c, version: -1 }).success,
    ).toBe(false)
    const stored = { ...c, screenKey: 's'.repeat(32) }
    expect(toRelayCampaign(stored)).toEqual(c)
  })

  it('scan numbers are positive integers; hello resume fields are checked', () => {
    const s = {
      type: 'scan',
      seq: 1,
      id: 'e',
      event: 'scan',
      openid: 'o',
      scene: 'k:n',
      ticket: '',
      createTime: 0,
      receivedAt: 0,
    }
    expect(scanFrameSchema.safeParse({ ...s, number: 1, firstInCampaign: true }).success).toBe(true)
    expect(scanFrameSchema.safeParse({ ...s, number: 0 }).success).toBe(false)
    expect(scanFrameSchema.safeParse({ ...s, number: 1.5 }).success).toBe(false)
    expect(relayFrameSchema.safeParse(s).success).toBe(true)
    const hello = { type: 'hello', kioskId: 'booth-1' }
    expect(
      helloFrameSchema.safeParse({
        ...hello,
        campaignVersion: 3,
        roster: { campaignId: 'c1', version: 2, offset: 400 },
      }).success,
    ).toBe(true)
    expect(
      helloFrameSchema.safeParse({ ...hello, roster: { campaignId: 'c1', version: 2 } }).success,
    ).toBe(false)
    expect(
      helloFrameSchema.safeParse({ ...hello, roster: { campaignId: 'c1', version: 2, offset: -1 } })
        .success,
    ).toBe(false)
  })
})

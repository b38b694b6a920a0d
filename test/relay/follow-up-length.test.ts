// The follow-up's length in WeChat's terms (UTF-8 bytes): the bound the console API checks a
// template against holds for every name a roster may hold, and a text stored before that check
// is cut to what WeChat takes rather than refused as a whole.
import { describe, expect, it } from 'vitest'
import {
  fitFollowUpBytes,
  followUpMaxBytes,
  MAX_FOLLOW_UP_BYTES,
  relayRosterEntrySchema,
} from '../../shared/campaign'
import { fillGreeting } from '../../shared/greeting-template'
import { isXmlText } from '../../shared/xml-text'

const bytes = (s: string): number => new TextEncoder().encode(s).length
const entry = (name: string) =>
  relayRosterEntrySchema.safeParse({
    id: 'r1',
    name,
    company: '',
    phone: '',
    code: '',
    openid: null,
  })

describe('follow-up length', () => {
  it('bounds the filled text for the longest names a roster takes', () => {
    // The longest names in bytes the roster schema accepts: 100 CJK characters (300 bytes),
    // 50 characters outside the BMP (4 bytes each, 2 UTF-16 units).
    const names = ['谢'.repeat(100), '𠀀'.repeat(50), 'x'.repeat(100)]
    for (const name of names) expect(entry(name).success, name).toBe(true)
    expect(entry('谢'.repeat(101)).success).toBe(false)
    for (const template of ['{name}', '感谢{name}，第 {number} 位', '{name}{number}'.repeat(40)]) {
      for (const name of names) {
        const filled = fillGreeting(template, { name, number: Number.MAX_SAFE_INTEGER })
        expect(bytes(filled)).toBeLessThanOrEqual(followUpMaxBytes(template))
      }
    }
    expect(followUpMaxBytes('谢'.repeat(600))).toBe(1800)
    expect(followUpMaxBytes(`${'谢'.repeat(580)}{name}`)).toBeLessThanOrEqual(MAX_FOLLOW_UP_BYTES)
  })

  it('cuts an over-long filled text to 2048 bytes on a character boundary, marked', () => {
    const short = '感谢光临，王小明'
    expect(fitFollowUpBytes(short)).toBe(short)
    const exact = 'a'.repeat(MAX_FOLLOW_UP_BYTES)
    expect(fitFollowUpBytes(exact)).toBe(exact)
    for (const long of ['谢'.repeat(2000), '𠀀'.repeat(600), `a${'𠀀'.repeat(600)}`]) {
      const cut = fitFollowUpBytes(long)
      expect(bytes(cut)).toBeLessThanOrEqual(MAX_FOLLOW_UP_BYTES)
      expect(cut.endsWith('…')).toBe(true)
      expect(long.startsWith(cut.slice(0, -1))).toBe(true)
      // No half of a surrogate pair left behind (WeChat's JSON would carry U+FFFD).
      expect(isXmlText(cut)).toBe(true)
      expect(bytes(cut)).toBeGreaterThan(MAX_FOLLOW_UP_BYTES - 8)
    }
  })

  it('never cuts an emoji in two: a family, a flag or a skin tone stays whole or goes', () => {
    // One user-perceived character of several code points each: 👨‍👩‍👧 (5, 18 bytes), 🇨🇳 (2,
    // 8 bytes), 👍🏽 (2, 8 bytes). Cut through, they show as other emoji or a lone letter box.
    const segments = (s: string): string[] =>
      [...new Intl.Segmenter('zh', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment)
    for (const emoji of ['👨‍👩‍👧', '🇨🇳', '👍🏽']) {
      for (let pad = 0; pad < bytes(emoji); pad++) {
        const long = 'a'.repeat(pad) + emoji.repeat(400)
        const cut = fitFollowUpBytes(long)
        expect(bytes(cut)).toBeLessThanOrEqual(MAX_FOLLOW_UP_BYTES)
        expect(cut.endsWith('…')).toBe(true)
        const kept = cut.slice(pad, -1)
        expect(
          segments(kept).every((g) => g === emoji),
          `${emoji} after ${pad}`,
        ).toBe(true)
        // Only what does not fit is dropped: less than one more emoji and the mark.
        expect(bytes(cut)).toBeGreaterThan(MAX_FOLLOW_UP_BYTES - bytes(emoji) - bytes('…'))
      }
    }
  })
})

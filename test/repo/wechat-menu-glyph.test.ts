// WeChat's built-in browser shows its menu as ⋯ (three dots on the midline) at the top right.
// Every text that tells a reader to tap it (console hints, the loading notes, the signed-out
// page, the deployment guide) draws it with that glyph, in Chinese and English alike, not the
// low ellipsis … (U+2026), which reads as "text left out".
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const FILES = [
  'console/src/i18n/zh-CN.ts',
  'console/src/i18n/en.ts',
  'console/index.html',
  'console/screen.html',
  'relay/console/signed-out-page.ts',
  'docs/DEPLOY.md',
]
/** A mention of the menu: 右上角「X」, or "tap X" / "X at the top right" / "X →". */
const MENTIONS = [/右上角「(.)」/gu, /\btap (\S) /gu, /(\S) at the top right/gu, /(\S) → /gu]

describe("WeChat's menu glyph", () => {
  it('is ⋯ wherever a text says to tap it', () => {
    let seen = 0
    for (const file of FILES) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      for (const pattern of MENTIONS) {
        for (const [, glyph] of text.matchAll(pattern)) {
          if (glyph !== '⋯' && glyph !== '…') continue
          seen += 1
          expect(glyph, `${file}: ${pattern.source}`).toBe('⋯')
        }
      }
    }
    expect(seen).toBeGreaterThan(8)
  })
})

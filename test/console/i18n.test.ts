// Every failure the console can meet has words in both languages, and both languages have the
// same messages (a key missing in English would show Chinese to an English reader).
import { describe, expect, it } from 'vitest'
import { ConsoleApiError } from '../../console/src/api/errors'
import { createConsoleI18n, errorKey, errorText } from '../../console/src/i18n/index'
import { en } from '../../console/src/i18n/en'
import { zhCN } from '../../console/src/i18n/zh-CN'
import {
  consoleErrorCodes,
  storeRefusalCauses,
  storeRefusalMessage,
  storeRefusalOf,
} from '../../shared/console-api'

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix]
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
}

describe('console messages', () => {
  it('zh-CN and en have the same keys, none empty', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort())
    for (const k of keys(en)) expect(k.length).toBeGreaterThan(0)
  })

  // `{n}` is a count (a cap or a limit is `{max}`, `{limit}`): it can be 1.
  it('an English count ({n} things) has a singular form: never "The other 1 booths: 1 scans"', () => {
    const flat = (value: unknown, prefix = ''): [string, string][] =>
      typeof value === 'string'
        ? [[prefix, value]]
        : Object.entries(value as object).flatMap(([k, v]) =>
            flat(v, prefix ? `${prefix}.${k}` : k),
          )
    const uncounted = flat(en)
      .filter(([, m]) => /\{n\} [a-z]+s\b/.test(m) && !m.includes(' | '))
      .map(([k]) => k)
    expect(uncounted).toEqual([])
    const i18n = createConsoleI18n('en')
    const t = i18n.global.t
    expect(t('stats.otherBooths', { n: 1, scans: t('stats.scansInAll', { n: 1 }, 1) }, 1)).toBe(
      'The other booth: 1 scan in all',
    )
    expect(t('stats.otherBooths', { n: 2, scans: t('stats.scansInAll', { n: 0 }, 0) }, 2)).toBe(
      'The other 2 booths: 0 scans in all',
    )
  })

  it('every error code of the contract and of the client has a message in both languages', () => {
    const i18n = createConsoleI18n()
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const code of [...consoleErrorCodes, 'network', 'bad_response'] as const) {
        const key = errorKey(new ConsoleApiError(code, 0))
        expect(i18n.global.te(key, locale), `${locale} ${key}`).toBe(true)
      }
    }
    expect(errorKey(new Error('boom'))).toBe('errors.network')
  })

  it("a store refusal is told in the relay's words, in both languages, for every cause", () => {
    const i18n = createConsoleI18n()
    const t = (key: string, named: Record<string, unknown>): string => i18n.global.t(key, named)
    for (const locale of ['zh-CN', 'en'] as const) {
      i18n.global.locale.value = locale
      const generic = errorText(t, new ConsoleApiError('internal', 503))
      for (const cause of storeRefusalCauses) {
        for (const write of [true, false]) {
          const message = storeRefusalMessage({ cause, write })
          const refusal = storeRefusalOf(503, message)
          expect(refusal).toEqual({ cause, write })
          const text = errorText(t, new ConsoleApiError('internal', 503, null, null, refusal))
          expect(text, `${locale} ${cause}`).not.toBe(generic)
          expect(text).not.toMatch(/errors\.|\{cause\}/)
          expect(/nothing was saved|没有保存/.test(text)).toBe(write)
        }
      }
      // A cause a newer relay names: its own words.
      const odd = new ConsoleApiError('internal', 503, null, null, {
        cause: 'x is odd',
        write: true,
      })
      expect(errorText(t, odd)).toContain('x is odd')
    }
    // Not a store refusal: no refusal read from it.
    expect(
      storeRefusalOf(500, storeRefusalMessage({ cause: 'database is locked', write: true })),
    ).toBeNull()
    expect(storeRefusalOf(503, 'the relay is shutting down')).toBeNull()
  })

  it('the pairing hint names no side for the QR code: beside the code when wide, below it on a phone', () => {
    for (const hint of [zhCN.pairing.instruction, en.pairing.instruction]) {
      expect(hint).not.toMatch(/右侧|左侧|下方|上方|\b(right|left|below|above)\b/i)
    }
  })
})

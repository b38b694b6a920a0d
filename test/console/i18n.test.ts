// Every failure the console can meet has words in both languages, and both languages have the
// same messages (a key missing in English would show Chinese to an English reader).
import { describe, expect, it } from 'vitest'
import { ConsoleApiError } from '../../console/src/api/errors'
import { createConsoleI18n, errorKey } from '../../console/src/i18n/index'
import { en } from '../../console/src/i18n/en'
import { zhCN } from '../../console/src/i18n/zh-CN'
import { consoleErrorCodes } from '../../shared/console-api'

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix]
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
}

describe('console messages', () => {
  it('zh-CN and en have the same keys, none empty', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort())
    for (const k of keys(en)) expect(k.length).toBeGreaterThan(0)
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

  it('the pairing hint names no side for the QR code: beside the code when wide, below it on a phone', () => {
    for (const hint of [zhCN.pairing.instruction, en.pairing.instruction]) {
      expect(hint).not.toMatch(/右侧|左侧|下方|上方|\b(right|left|below|above)\b/i)
    }
  })
})

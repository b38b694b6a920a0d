/**
 * Keeps "errors as data" honest: every code in the contract (shared/errors.ts) has words in
 * both locales, using only the params the code declares; no component shows a thrown error's
 * English message; and the renderer words codes it does not know with a sentence of its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  kioskErrorCodes,
  messageCodes,
  rosterColumns,
  rosterProblemCodes,
  statusCodes,
} from '../../shared/errors'
import { errorText } from '../../renderer/src/i18n/error-text'
import { en } from '../../renderer/src/i18n/en'
import { createKioskI18n } from '../../renderer/src/i18n/index'
import { zhCN } from '../../renderer/src/i18n/zh-CN'
import { KioskCallError } from '../../renderer/src/bridge/web-client'

const locales = { 'zh-CN': zhCN, en } as const

/** `{name}` placeholders in a vue-i18n message. */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => m[1] as string)
}

describe('the error contract and the locales', () => {
  it('has no code that is both a call error and a status code', () => {
    const both = Object.keys(kioskErrorCodes).filter((c) => Object.hasOwn(statusCodes, c))
    expect(both).toEqual([])
  })

  for (const [locale, messages] of Object.entries(locales)) {
    it(`${locale} words every code, using only the params the code declares`, () => {
      const codes = messages.codes as Record<string, unknown>
      const problems: string[] = []
      for (const [code, params] of messageCodes) {
        const text = codes[code]
        if (typeof text !== 'string' || text.trim() === '') {
          problems.push(`${code}: no message`)
          continue
        }
        const declared = new Set(Object.keys(params.shape))
        for (const name of placeholders(text)) {
          if (!declared.has(name))
            problems.push(`${code}: uses {${name}}, not a param of this code`)
        }
      }
      expect(problems).toEqual([])
    })

    it(`${locale} says a daily limit comes back at midnight Beijing time, not "tomorrow"`, () => {
      // WeChat's quota day and the relay's ticket budget turn at 00:00 UTC+8: on a laptop in
      // Europe/Berlin that is 17:00 today, on one left on UTC 16:00 today.
      const back = locale === 'zh-CN' ? '北京时间 0 点' : 'midnight Beijing time'
      for (const code of ['quota', 'ticket_budget'] as const) {
        const text = messages.codes[code]
        expect(text, code).toContain(back)
        expect(text, code).not.toMatch(/明天|tomorrow/)
      }
    })

    it(`${locale} has no message for a code the contract does not have`, () => {
      const stale = Object.keys(messages.codes).filter((c) => !messageCodes.has(c as never))
      expect(stale).toEqual([])
    })

    it(`${locale} words every roster problem, using only its params, and every column`, () => {
      const words = messages.roster.problems as Record<string, unknown>
      const problems: string[] = []
      for (const [code, params] of Object.entries(rosterProblemCodes)) {
        const text = words[code]
        if (typeof text !== 'string' || text.trim() === '') {
          problems.push(`${code}: no message`)
          continue
        }
        const declared = new Set(Object.keys(params.shape))
        for (const name of placeholders(text)) {
          if (!declared.has(name))
            problems.push(`${code}: uses {${name}}, not a param of this code`)
        }
      }
      const stale = Object.keys(words).filter((c) => !Object.hasOwn(rosterProblemCodes, c))
      expect({ problems, stale }).toEqual({ problems: [], stale: [] })
      expect(Object.keys(messages.roster.fields).sort()).toEqual([...rosterColumns].sort())
    })

    it(`${locale} words a code it does not know, and a failure with no code at all`, () => {
      expect(placeholders(messages.failure.unknownCode)).toEqual(['code'])
      expect(messages.failure.generic.length).toBeGreaterThan(0)
    })
  }
})

describe('errorText', () => {
  const i18n = createKioskI18n('zh-CN').global
  const translator = { t: i18n.t, te: (key: string) => i18n.te(key) }

  it('words a known code in the UI language, never the thrown English sentence', () => {
    const thrown = Object.assign(new Error('Unlock the admin area first.'), {
      code: 'admin_locked',
    })
    expect(errorText(translator, thrown)).toBe('管理界面已锁定，请重新输入 PIN 码')
    i18n.locale.value = 'en'
    expect(errorText(translator, thrown)).toBe('The admin area is locked: enter the PIN again')
    i18n.locale.value = 'zh-CN'
  })

  it('fills in the params, with field paths as the field’s label', () => {
    expect(errorText(translator, new KioskCallError('bad_input', { field: 'relayUrl' }))).toBe(
      '输入有误：中继服务器地址',
    )
    expect(errorText(translator, { code: 'unhealthy', params: { status: 502 } })).toContain(
      'HTTP 502',
    )
    expect(errorText(translator, { code: 'other', params: { errcode: 40001 } })).toContain('40001')
  })

  it('says something useful for an unknown code, and something for no code at all', () => {
    const thrown = Object.assign(new Error('The roster file is not UTF-8.'), {
      code: 'roster_encoding',
    })
    expect(errorText(translator, thrown)).toBe('未知错误（错误代码：roster_encoding）')
    expect(errorText(translator, new Error('SQLITE_CORRUPT: /home/kiosk.db'))).toBe(
      '出现意外问题，请重试',
    )
  })
})

describe('no component shows a raw error message', () => {
  const root = join(__dirname, '../../renderer/src')

  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return files(path)
      return /\.(vue|ts)$/.test(name) ? [path] : []
    })
  }

  /** Code without styles, comments and string literals (message keys like 'roster.message'). */
  function code(text: string): string {
    return text
      .replace(/<style[\s\S]*?<\/style>/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1')
      .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
  }

  it('reads no `.message` (nor an errorMessage helper) anywhere in the renderer', () => {
    const found: Record<string, number> = {}
    for (const path of files(root)) {
      const text = code(readFileSync(path, 'utf8'))
      const hits = (text.match(/\.message\b|\berrorMessage\s*\(/g) ?? []).length
      if (hits > 0) found[relative(root, path).split('\\').join('/')] = hits
    }
    expect(found).toEqual({})
  })
})

/**
 * Failures leave the core as codes and params (shared/errors.ts), never as sentences; the
 * English detail goes to the log.
 */
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createDispatcher, type KioskHandlers } from '../../electron/core/api/kiosk-api'
import { KioskError } from '../../electron/core/api/kiosk-error'
import { ProxySettingError } from '../../electron/core/net/proxy'
import { toSourceError } from '../../electron/core/tickets/ticket-source-direct'
import { WechatApiError } from '../../shared/wechat/errors'
import { lineLogger } from '../../shared/server/log'

function dispatcher(handlers: Partial<KioskHandlers>, unlocked = true) {
  const logged: string[] = []
  const call = createDispatcher({
    handlers: handlers as KioskHandlers,
    isAdminUnlocked: () => unlocked,
    log: lineLogger((line) => logged.push(line)),
  })
  const failure = (name: string, input?: unknown) =>
    call(name, input).then(
      () => null,
      (e: unknown) => (e as KioskError).body,
    )
  return { failure, logged }
}

describe('call failures as data', () => {
  it('a refused input names the field, not the schema’s English', async () => {
    const { failure } = dispatcher({})
    await expect(failure('unlockAdmin', { pin: '12' })).resolves.toEqual({
      code: 'bad_input',
      params: { field: 'pin' },
    })
  })

  it('a locked admin area and an unknown method are codes', async () => {
    const { failure } = dispatcher({}, false)
    await expect(failure('getSettings')).resolves.toEqual({ code: 'admin_locked', params: {} })
    await expect(failure('nope')).resolves.toEqual({ code: 'unknown_method', params: {} })
  })

  it('a deliberate failure keeps its code and params; its English goes to the log only', async () => {
    const { failure, logged } = dispatcher({
      setPin: () => {
        throw new KioskError('wrong_pin', 'currentPin: the current PIN is wrong')
      },
      setLocale: () => {
        z.object({ locale: z.literal('fr') }).parse({ locale: 'en' })
        return { ok: true }
      },
      lockAdmin: () => {
        throw new Error('SQLITE_BUSY at /home/staff/kiosk.db')
      },
    })
    await expect(failure('setPin', { currentPin: '1234', newPin: '5678' })).resolves.toEqual({
      code: 'wrong_pin',
      params: {},
    })
    expect(logged.join('\n')).toContain('the current PIN is wrong')
    await expect(failure('setLocale', { locale: 'en' })).resolves.toEqual({
      code: 'bad_input',
      params: { field: 'locale' },
    })
    await expect(failure('lockAdmin')).resolves.toEqual({ code: 'internal', params: {} })
    expect(logged.join('\n')).toContain('SQLITE_BUSY')
  })

  it('a WeChat failure carries its errcode as a param', () => {
    const e = toSourceError(
      new WechatApiError(40164, 'invalid ip 1.2.3.4, not in whitelist', 'cgi-bin/qrcode/create'),
    )
    expect(e.code).toBe('ip_not_allowed')
    expect(e.errcode).toBe(40164)
  })

  it('a WeChat call the venue’s proxy stopped says the proxy, not "unreachable"', () => {
    // What undici's ProxyAgent throws for a tunnel refused with 407, inside fetch's TypeError.
    const refused = new TypeError('fetch failed', {
      cause: new Error('Proxy response (407) !== 200 when HTTP Tunneling'),
    })
    expect(toSourceError(refused)).toMatchObject({ code: 'proxy_refused', params: { status: 407 } })
    const invalid = new TypeError('fetch failed', {
      cause: new ProxySettingError('HTTPS_PROXY', 'HTTPS_PROXY socks5://p:1 is not an http proxy'),
    })
    expect(toSourceError(invalid)).toMatchObject({
      code: 'proxy_invalid',
      params: { setting: 'HTTPS_PROXY' },
    })
  })
})

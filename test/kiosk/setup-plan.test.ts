import { describe, expect, it } from 'vitest'
import { planSetup, type SetupPlan } from '../../electron/core/config/setup'
import { defaultSettings, type Settings } from '../../electron/core/config/settings'
import { MemoryVault } from '../../electron/core/config/vault'

const TOKEN = 'stored-kiosk-token-0123456789'
const SECRET = '0123456789abcdef0123456789abcdef'
const APPID = 'wx0123456789abcdef'

/** A kiosk already set up for direct codes against relay A, with both secrets stored. */
function configured(): { settings: Settings; vault: MemoryVault } {
  const vault = new MemoryVault()
  vault.set('relayToken', TOKEN)
  vault.set('appSecret', SECRET)
  const settings: Settings = {
    ...defaultSettings(),
    kioskId: 'hall-a',
    ticketSource: 'direct',
    relayUrl: 'https://relay-a.example',
    appId: APPID,
  }
  return { settings, vault }
}

const base = {
  ticketSource: 'direct' as const,
  relayUrl: 'https://relay-a.example',
  kioskId: 'hall-a',
  appId: APPID,
}

const fields = (plan: SetupPlan) =>
  plan.ok ? [] : plan.errors.map((e) => `${e.field}:${e.code}`).sort()

describe('planSetup: stored secrets stay with their address', () => {
  it('keeps using stored secrets while the addresses are unchanged', () => {
    const { settings, vault } = configured()
    const plan = planSetup(settings, vault, base)
    expect(plan).toMatchObject({ ok: true, secrets: {}, drop: [], connectionChanged: false })
  })

  it('asks for the kiosk token again when the relay address changes', () => {
    const { settings, vault } = configured()
    const plan = planSetup(settings, vault, { ...base, relayUrl: 'https://evil.example' })
    expect(fields(plan)).toEqual(['relayToken:reenter'])
    const typed = planSetup(settings, vault, {
      ...base,
      relayUrl: 'https://relay-b.example',
      relayToken: 'a-new-token-for-relay-b',
    })
    expect(typed).toMatchObject({ ok: true, secrets: { relayToken: 'a-new-token-for-relay-b' } })
  })

  it('asks for the AppSecret again when the API address or the AppID changes', () => {
    const { settings, vault } = configured()
    expect(
      fields(planSetup(settings, vault, { ...base, apiBase: 'https://evil.example' })),
    ).toEqual(['appSecret:reenter'])
    expect(fields(planSetup(settings, vault, { ...base, appId: 'wxffffffffffffffff' }))).toEqual([
      'appSecret:reenter',
    ])
  })

  it('drops a stored AppSecret whose address changed when it is no longer needed', () => {
    const { settings, vault } = configured()
    const plan = planSetup(settings, vault, {
      ...base,
      ticketSource: 'proxy',
      apiBase: 'https://other-api.example',
    })
    expect(plan).toMatchObject({ ok: true, drop: ['appSecret'] })
    // Planning changes nothing by itself.
    expect(vault.get('appSecret')).toBe(SECRET)
  })
})

// 测试连接 in the setup page tests what the form has now, not the saved setup, and saves nothing:
// staff who type a new relay address and press it before saving get the new address's answer,
// and an empty relay address is said to be missing instead of passing on the saved one.
import { afterEach, describe, expect, it } from 'vitest'
import type { KioskError } from '../../electron/core/api/kiosk-error'
import { loadSettings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { kioskMethods } from '../../shared/ipc'
import {
  cleanup,
  fastLink,
  kioskOn,
  onCleanup,
  startPlatform,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'
import { closedPort } from '../helpers/closed-port'
import { refusingAddress } from './relay-stand-in'

afterEach(cleanup)

/** An address that is not a relay: 404 to everything, the websocket upgrade too. */
const notARelay = (): Promise<string> => refusingAddress(404, 'Not Found')

describe('测试连接 with the form’s values', () => {
  it('an unsaved relay address is the one tested, and nothing is saved', async () => {
    const p = await startPlatform()
    const wrong = await notARelay()
    // Saved: an address that is not the relay. Typed (not saved): the relay's own address.
    const { core, dataDir, vault, token } = await kioskOn(p, { relayUrl: wrong })
    await waitFor(() => core.status().relay.lastError !== null, 'the saved address fails')
    await core.call('unlockAdmin', { pin: TEST_PIN })

    const saved = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    // The saved setup (no form): no field to mark.
    expect(saved.relay).toEqual({ ok: false, code: 'link_refused', params: { status: 404 } })

    const typed = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', {
        ticketSource: 'proxy',
        relayUrl: p.relay.url,
        kioskId: 'booth-1',
        // A new address: the token is typed again (a stored one never goes to another address).
        relayToken: token,
      }),
    )
    expect(typed.relay).toEqual({ ok: true, code: 'ok', params: {} })
    expect(typed.api).toEqual({ ok: true, code: 'ok', params: {} })

    // The other way round: the saved relay works, the typed address does not.
    const a = await kioskOn(p, { kioskId: 'booth-2' })
    await waitFor(() => a.core.status().relay.state === 'connected', 'link')
    await a.core.call('unlockAdmin', { pin: TEST_PIN })
    const other = kioskMethods.testConnection.output.parse(
      await a.core.call('testConnection', {
        ticketSource: 'proxy',
        relayUrl: wrong,
        kioskId: 'booth-2',
        relayToken: a.token,
      }),
    )
    expect(other.relay).toEqual({
      ok: false,
      code: 'link_refused',
      params: { status: 404 },
      field: 'relayUrl',
    })
    expect(other.api.ok).toBe(false)

    // Nothing saved: the settings file and the vault are as they were.
    expect(loadSettings(dataDir)?.relayUrl).toBe(wrong)
    expect(vault.get('relayToken')).toBe(token)
    expect(loadSettings(a.dataDir)?.relayUrl).toBe(p.relay.url)
    expect(a.core.status().relay.state).toBe('connected')
  })

  it('an empty relay address is missing, not OK; the stored token never goes to a new address', async () => {
    // An AppID as the setup takes them (the sandbox's default is a letter short).
    const p = await startPlatform({ appId: 'wx0123456789abcdef' })
    const { core, dataDir, vault } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const empty = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', { ticketSource: 'proxy', relayUrl: '' }),
    )
    expect(empty.relay).toEqual({ ok: false, code: 'required', params: {}, field: 'relayUrl' })
    expect(empty.api.ok).toBe(false)

    const moved = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', {
        ticketSource: 'proxy',
        relayUrl: await notARelay(),
        kioskId: 'booth-1',
      }),
    )
    expect(moved.relay).toEqual({ ok: false, code: 'reenter', params: {}, field: 'relayToken' })

    // The form as saved (token left blank: the stored one): today's answer.
    const same = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', {
        ticketSource: 'proxy',
        relayUrl: p.relay.url,
        kioskId: 'booth-1',
      }),
    )
    expect(same.relay).toEqual({ ok: true, code: 'ok', params: {} })
    expect(same.api).toEqual({ ok: true, code: 'ok', params: {} })

    // A new token typed for the saved address: that token is tried, not the stored one.
    const retyped = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', {
        ticketSource: 'proxy',
        relayUrl: p.relay.url,
        kioskId: 'booth-1',
        relayToken: 'typed-but-not-the-relays-token-0000',
      }),
    )
    expect(retyped.relay).toEqual({
      ok: false,
      code: 'unauthorized',
      params: {},
      field: 'relayToken',
    })
    expect(retyped.api).toEqual({ ok: false, code: 'unauthorized', params: {} })
    expect(core.status().relay.state).toBe('connected')

    // Direct codes: the AppSecret is required (none stored), then the typed one is tried.
    const { apiBase, appId, appSecret } = p.sandbox.credentials()
    const direct = { ticketSource: 'direct', relayUrl: p.relay.url, kioskId: 'booth-1' }
    const noSecret = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', { ...direct, apiBase, appId }),
    )
    expect(noSecret).toEqual({
      relay: { ok: true, code: 'ok', params: {} },
      api: { ok: false, code: 'required', params: {}, field: 'appSecret' },
    })
    const typedSecret = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', { ...direct, apiBase, appId, appSecret }),
    )
    expect(typedSecret.api).toEqual({ ok: true, code: 'ok', params: {} })
    const wrongSecret = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', { ...direct, apiBase, appId, appSecret: 'x'.repeat(32) }),
    )
    expect(wrongSecret.api).toMatchObject({ ok: false, code: 'bad_credentials' })
    expect(vault.get('appSecret')).toBeNull()
    expect(loadSettings(dataDir)?.ticketSource).toBe('proxy')
  })

  it('direct codes: the API half is judged on AppID, AppSecret and API address alone', async () => {
    const p = await startPlatform({ appId: 'wx0123456789abcdef' })
    const { core } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const { apiBase, appId, appSecret } = p.sandbox.credentials()
    const account = { ticketSource: 'direct', apiBase, appId, appSecret }
    const test = async (input: Record<string, unknown>) =>
      kioskMethods.testConnection.output.parse(await core.call('testConnection', input))

    // Good account, whatever the relay fields hold: an empty, a malformed or a moved address
    // (its token not typed again), or pairing (no kiosk id yet).
    const blankRelay = await test({ ...account, relayUrl: '' })
    expect(blankRelay.relay).toMatchObject({ ok: false, code: 'required' })
    expect(blankRelay.api).toMatchObject({ ok: true, code: 'ok' })
    const badRelay = await test({ ...account, relayUrl: 'relay dot example', kioskId: 'booth-1' })
    expect(badRelay.relay).toMatchObject({ ok: false, code: 'invalid' })
    expect(badRelay.api).toMatchObject({ ok: true, code: 'ok' })
    const moved = await test({ ...account, relayUrl: await notARelay(), kioskId: 'booth-1' })
    expect(moved.relay).toMatchObject({ ok: false, code: 'reenter' })
    expect(moved.api).toMatchObject({ ok: true, code: 'ok' })
    const pairing = await test({ ...account, relayUrl: p.relay.url })
    expect(pairing.relay).toMatchObject({ ok: true, code: 'ok' })
    expect(pairing.api).toMatchObject({ ok: true, code: 'ok' })
    const badKioskId = await test({ ...account, relayUrl: p.relay.url, kioskId: 'Booth 1' })
    expect(badKioskId.relay).toMatchObject({ ok: false, code: 'invalid' })
    expect(badKioskId.api).toMatchObject({ ok: true, code: 'ok' })

    // A wrong AppSecret is WeChat's refusal, not "not configured", beside a bad relay field.
    const wrong = { ...account, appSecret: 'x'.repeat(32) }
    const wrongBlank = await test({ ...wrong, relayUrl: '' })
    expect(wrongBlank.api).toMatchObject({ ok: false, code: 'bad_credentials' })
    const wrongMoved = await test({ ...wrong, relayUrl: await notARelay(), kioskId: 'booth-1' })
    expect(wrongMoved.api).toMatchObject({ ok: false, code: 'bad_credentials' })
    // An AppSecret left blank with none stored is missing, whatever the relay fields hold.
    const { appSecret: _typed, ...noSecret } = account
    const missing = await test({ ...noSecret, relayUrl: '' })
    expect(missing.api).toMatchObject({ ok: false, code: 'required' })
    expect(core.status().relay.state).toBe('connected')
  })

  it('a failure that is one field’s names that field; a pass names none', async () => {
    const p = await startPlatform({ appId: 'wx0123456789abcdef' })
    const { core } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const { apiBase, appId, appSecret } = p.sandbox.credentials()
    const test = async (input: Record<string, unknown>) =>
      kioskMethods.testConnection.output.parse(await core.call('testConnection', input))
    const proxy = { ticketSource: 'proxy', relayUrl: p.relay.url, kioskId: 'booth-1' }

    const fine = await test(proxy)
    expect(fine.relay).toEqual({ ok: true, code: 'ok', params: {} })
    expect(fine.api).toEqual({ ok: true, code: 'ok', params: {} })

    // Plain http:// to another host: its own code, as saving words it.
    const insecure = await test({ ...proxy, relayUrl: 'http://relay.example.com' })
    expect(insecure.relay).toEqual({
      ok: false,
      code: 'insecure_http',
      params: {},
      field: 'relayUrl',
    })
    // A user name or password in the address: its own code too, the address never echoed.
    const withUser = await test({ ...proxy, relayUrl: 'https://u:secret@relay.example.com' })
    expect(withUser.relay).toEqual({ ok: false, code: 'user_info', params: {}, field: 'relayUrl' })
    // Nothing listens there.
    const closed = `http://127.0.0.1:${await closedPort()}`
    const unreachable = await test({ ticketSource: 'proxy', relayUrl: closed })
    expect(unreachable.relay).toEqual({
      ok: false,
      code: 'unreachable',
      params: {},
      field: 'relayUrl',
    })
    const badKiosk = await test({ ...proxy, kioskId: 'Booth 1' })
    expect(badKiosk.relay).toEqual({ ok: false, code: 'invalid', params: {}, field: 'kioskId' })

    // Direct codes: WeChat refuses the AppID (40013) or the AppSecret (40125).
    const direct = { ...proxy, ticketSource: 'direct', apiBase }
    const wrongId = await test({ ...direct, appId: 'wx' + 'f'.repeat(16), appSecret })
    expect(wrongId.api).toEqual({
      ok: false,
      code: 'bad_credentials',
      params: { errcode: 40013 },
      field: 'appId',
    })
    const wrongSecret = await test({ ...direct, appId, appSecret: 'y'.repeat(32) })
    expect(wrongSecret.api).toEqual({
      ok: false,
      code: 'bad_credentials',
      params: { errcode: 40125 },
      field: 'appSecret',
    })
    const badSecret = await test({ ...direct, appId, appSecret: 'short' })
    expect(badSecret.api).toEqual({ ok: false, code: 'invalid', params: {}, field: 'appSecret' })
    const insecureApi = await test({
      ...direct,
      apiBase: 'http://api.example.com',
      appId,
      appSecret,
    })
    expect(insecureApi.api).toEqual({
      ok: false,
      code: 'insecure_http',
      params: {},
      field: 'apiBase',
    })
    const deadApi = await test({ ...direct, apiBase: closed, appId, appSecret })
    expect(deadApi.api).toMatchObject({ ok: false, code: 'unreachable', field: 'apiBase' })
    const good = await test({ ...direct, appId, appSecret })
    expect(good).toEqual({
      relay: { ok: true, code: 'ok', params: {} },
      api: { ok: true, code: 'ok', params: {} },
    })
  })

  it('demo mode: the setup page’s empty form is not reported OK', async () => {
    const dataDir = tempDir()
    const runtime = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      env: { SCANDESK_ADMIN_PIN: '2580' },
      core: { tickMs: 50, relayLink: fastLink },
    })
    onCleanup(() => runtime.close())
    const { core } = runtime
    await waitFor(() => core.status().relay.state === 'connected', 'demo link')
    await core.call('unlockAdmin', { pin: '2580' })
    // The saved demo setup works...
    const saved = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', undefined),
    )
    expect(saved.relay.ok).toBe(true)
    // ...but the page shows an empty relay address (pairing, nothing typed yet).
    const blank = kioskMethods.testConnection.output.parse(
      await core.call('testConnection', { ticketSource: 'proxy', relayUrl: '' }),
    )
    expect(blank).toEqual({
      relay: { ok: false, code: 'required', params: {}, field: 'relayUrl' },
      api: { ok: false, code: 'not_configured', params: {} },
    })
    expect(loadSettings(dataDir)?.demo).toBe(true)
  })

  it('refuses input that is not the form’s shape', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const failure = (input: unknown) =>
      core.call('testConnection', input).then(
        () => null,
        (e: unknown) => (e as KioskError).body,
      )
    await expect(
      failure({ ticketSource: 'proxy', relayUrl: p.relay.url, extra: 1 }),
    ).resolves.toMatchObject({ code: 'bad_input' })
    await expect(
      failure({ ticketSource: 'carrier-pigeon', relayUrl: p.relay.url }),
    ).resolves.toEqual({ code: 'bad_input', params: { field: 'ticketSource' } })
    await expect(failure({ ticketSource: 'proxy', relayUrl: 42 })).resolves.toEqual({
      code: 'bad_input',
      params: { field: 'relayUrl' },
    })
    await expect(
      failure({ ticketSource: 'proxy', relayUrl: p.relay.url, relayToken: 'x'.repeat(5000) }),
    ).resolves.toEqual({ code: 'bad_input', params: { field: 'relayToken' } })
  })
})

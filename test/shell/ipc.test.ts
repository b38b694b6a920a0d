import type { IpcMainInvokeEvent } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { KioskError } from '../../electron/core/api/kiosk-error'
import { createDispatcher } from '../../electron/core/api/kiosk-api'
import { createEventSender, registerKioskIpc } from '../../electron/main/ipc'
import type { KioskHandlers } from '../../shared/ipc'
import { kioskMethods } from '../../shared/ipc'
import { FakeIpcMain, FakeWebContents, memoryLogger } from './fakes'

const kioskContents = new FakeWebContents('file:///app/out/renderer/index.html')
const ours = { sender: kioskContents, senderFrame: kioskContents.mainFrame }
const foreign = { sender: new FakeWebContents('https://evil.example/'), senderFrame: null }

const status = {
  relay: { state: 'connected', since: 1, retryAt: null, lastEventAt: null, lastError: null },
  api: { state: 'ok', source: 'direct', lastError: null },
  pool: { available: 3, target: 5, quotaExhausted: false, createdToday: 3 },
}

function setup(overrides: Partial<KioskHandlers> = {}) {
  const ipcMain = new FakeIpcMain()
  const log = memoryLogger()
  const state = { adminUnlocked: false }
  const calls: Array<{ name: string; input: unknown }> = []
  const record =
    <T>(name: string, value: T) =>
    (input: unknown) => {
      calls.push({ name, input })
      return value
    }
  const ok = { ok: true as const }
  const handlers = {
    getScreenState: record('getScreenState', {
      configured: true,
      demo: false,
      locale: 'en',
      campaign: null,
      ticket: null,
      status,
    }),
    setLocale: record('setLocale', ok),
    setStartAtLogin: record('setStartAtLogin', ok),
    listAttendance: record('listAttendance', { rows: [], total: 0 }),
    ...overrides,
  } as unknown as KioskHandlers
  const unregister = registerKioskIpc({
    ipcMain,
    isTrustedSender: (event: IpcMainInvokeEvent) =>
      (event.sender as unknown) === kioskContents &&
      (event.senderFrame as unknown) === kioskContents.mainFrame,
    call: createDispatcher({
      handlers,
      isAdminUnlocked: () => state.adminUnlocked,
      log,
    }),
    log,
  })
  const invoke = (event: unknown, name: string, ...args: unknown[]) =>
    ipcMain.invoke(`kiosk:${name}`, event, ...args)
  return { ipcMain, log, state, calls, invoke, unregister }
}

describe('registration', () => {
  it('registers one channel per contract method and nothing else', () => {
    const { ipcMain, unregister } = setup()
    expect([...ipcMain.handlers.keys()].sort()).toEqual(
      Object.keys(kioskMethods)
        .map((name) => `kiosk:${name}`)
        .sort(),
    )
    unregister()
    expect(ipcMain.handlers.size).toBe(0)
  })
})

describe('senders', () => {
  it('refuses a call from anything but the kiosk window’s main frame', async () => {
    const { invoke, calls, log } = setup()
    await expect(invoke(foreign, 'setLocale', { locale: 'en' })).rejects.toThrow(/Refused/)
    // Our window, but a subframe.
    const subframe = { sender: kioskContents, senderFrame: { url: kioskContents.mainFrame.url } }
    await expect(invoke(subframe, 'getScreenState')).rejects.toThrow(/Refused/)
    expect(calls).toEqual([])
    expect(log.entries.some((e) => e.level === 'warn' && /sender/.test(e.message))).toBe(true)
  })

  it('serves the kiosk window', async () => {
    const { invoke, calls } = setup()
    expect(await invoke(ours, 'getScreenState')).toMatchObject({ ok: true, value: { status } })
    await expect(invoke(ours, 'setLocale', { locale: 'zh-CN' })).resolves.toEqual({
      ok: true,
      value: { ok: true },
    })
    expect(calls).toEqual([
      { name: 'getScreenState', input: undefined },
      { name: 'setLocale', input: { locale: 'zh-CN' } },
    ])
  })
})

describe('arguments', () => {
  it.each([
    ['wrong type', { locale: 42 }],
    ['unknown locale', { locale: 'fr' }],
    ['extra field', { locale: 'en', admin: true }],
    ['missing input', undefined],
    ['not an object', 'en'],
  ])('rejects %s before the core sees it', async (_label, input) => {
    const { invoke, calls } = setup()
    const reply = (await invoke(ours, 'setLocale', input)) as {
      ok: boolean
      error: { code: string }
    }
    expect(reply.ok).toBe(false)
    expect(reply.error.code).toBe('bad_input')
    expect(calls).toEqual([])
  })

  it('rejects input for a method that takes none, and a second argument', async () => {
    const { invoke, calls } = setup()
    expect(await invoke(ours, 'getScreenState', { x: 1 })).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    })
    expect(await invoke(ours, 'setLocale', { locale: 'en' }, 'extra')).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    })
    expect(calls).toEqual([])
  })

  it('hands the core the parsed input, defaults applied', async () => {
    const { invoke, calls, state } = setup()
    state.adminUnlocked = true
    await invoke(ours, 'listAttendance', { campaignId: 'c1' })
    expect(calls[0]?.input).toEqual({
      campaignId: 'c1',
      query: '',
      from: null,
      to: null,
      offset: 0,
      limit: 100,
    })
  })
})

describe('admin methods', () => {
  it('are refused while the admin area is locked', async () => {
    const { invoke, calls, state } = setup()
    expect(await invoke(ours, 'setStartAtLogin', { enabled: true })).toMatchObject({
      ok: false,
      error: { code: 'admin_locked' },
    })
    expect(calls).toEqual([])
    state.adminUnlocked = true
    expect(await invoke(ours, 'setStartAtLogin', { enabled: true })).toEqual({
      ok: true,
      value: { ok: true },
    })
  })

  it('every admin method in the contract is guarded', async () => {
    const { invoke, calls } = setup()
    const adminMethods = Object.entries(kioskMethods).filter(([, m]) => m.admin)
    expect(adminMethods.length).toBeGreaterThan(5)
    for (const [name, method] of adminMethods) {
      // Whatever the input, a locked call never reaches the core.
      const reply = (await invoke(ours, name, method.input === null ? undefined : {})) as {
        ok: boolean
      }
      expect(reply.ok, name).toBe(false)
    }
    expect(calls).toEqual([])
  })
})

describe('results and errors', () => {
  it('strips fields the contract does not name (nothing extra leaks to the page)', async () => {
    const { invoke } = setup({
      setLocale: () => ({ ok: true, appSecret: 'x'.repeat(32) }) as unknown as { ok: true },
    })
    expect(await invoke(ours, 'setLocale', { locale: 'en' })).toEqual({
      ok: true,
      value: { ok: true },
    })
  })

  it('turns a result that breaks the contract into an internal error', async () => {
    const { invoke, log } = setup({ setLocale: () => ({ ok: 'yes' }) as unknown as { ok: true } })
    expect(await invoke(ours, 'setLocale', { locale: 'en' })).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    })
    expect(log.entries.some((e) => e.level === 'error')).toBe(true)
  })

  it('passes a deliberate error’s code and params on, and keeps its English detail in the log', async () => {
    const { invoke, log } = setup({
      setLocale: () => {
        throw new KioskError('bad_input', 'No keyring on this computer.', { field: 'locale' })
      },
    })
    expect(await invoke(ours, 'setLocale', { locale: 'en' })).toEqual({
      ok: false,
      error: { code: 'bad_input', params: { field: 'locale' } },
    })
    expect(JSON.stringify(log.entries)).toContain('No keyring on this computer.')
  })

  it('hides an unexpected error’s details from the page but logs them', async () => {
    const { invoke, log } = setup({
      setLocale: () => {
        throw Object.assign(new Error('SQLITE_CORRUPT: /home/staff/kiosk/kiosk.db'), {
          code: 'SQLITE_CORRUPT',
        })
      },
    })
    const reply = (await invoke(ours, 'setLocale', { locale: 'en' })) as {
      error: { code: string; params: unknown }
    }
    expect(reply.error).toEqual({ code: 'internal', params: {} })
    expect(JSON.stringify(log.entries)).toContain('SQLITE_CORRUPT')
  })
})

describe('events', () => {
  it('sends contract events after checking the payload', () => {
    const sent: Array<[string, unknown]> = []
    const log = memoryLogger()
    const send = createEventSender({
      send: (c, p) => sent.push([c, p]),
      adminSessionOpen: () => false,
      log,
    })
    send('locale', 'en')
    send('locale', 'fr')
    send('status', { nonsense: true })
    send('nope' as 'locale', 'en')
    expect(sent).toEqual([['kiosk-event:locale', 'en']])
    expect(log.entries.filter((e) => e.level === 'error')).toHaveLength(3)
  })

  it('never calls the core when the contract check fails (spy)', async () => {
    const spy = vi.fn(() => ({ ok: true as const }))
    const { invoke } = setup({ setLocale: spy })
    await invoke(ours, 'setLocale', { locale: 'xx' })
    expect(spy).not.toHaveBeenCalled()
  })
})

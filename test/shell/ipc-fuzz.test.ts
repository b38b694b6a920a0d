// Every IPC channel of the kiosk window, with the admin area unlocked, under hostile input
// (property test, fixed seed): each call is answered, never thrown, never with the `internal`
// error a handler that trips over its input would give; a refused call changes nothing the kiosk
// holds (settings, secrets, campaigns, roster, attendance); and the kiosk still answers a good
// call afterwards. The shell's ipcMain is the fake the other shell tests use; the core is real.
import type { IpcMainInvokeEvent } from 'electron'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { registerKioskIpc } from '../../electron/main/ipc'
import type { IpcReply } from '../../electron/preload/channels'
import { isKioskErrorCode } from '../../shared/errors'
import { kioskMethods, type KioskMethodName } from '../../shared/ipc'
import { MemoryVault } from '../../electron/core/config/vault'
import { closedPort } from '../helpers/closed-port'
import { cleanup, provisionDir, startCore, tempDir, TEST_PIN } from '../kiosk/helpers'
import { FakeIpcMain, FakeWebContents, memoryLogger } from './fakes'

afterEach(cleanup)

const contents = new FakeWebContents('file:///app/out/renderer/index.html')
const ours = { sender: contents, senderFrame: contents.mainFrame }

/** Methods whose random use would lock the PIN out, end the session or clear the booth: tested elsewhere. */
const SKIPPED = new Set<KioskMethodName>(['unlockAdmin', 'lockAdmin', 'setPin', 'clearBooth'])

function templates(relayUrl: string): Record<KioskMethodName, unknown> {
  const greetings = {
    firstVisit: 'Welcome no. {number}',
    welcomeBack: 'Welcome back no. {number}',
    named: 'Hello {name}',
  }
  return {
    getScreenState: undefined,
    greetingShown: { eventId: 'ev-1' },
    setLocale: { locale: 'en' },
    unlockAdmin: { pin: TEST_PIN },
    lockAdmin: undefined,
    setPin: { currentPin: TEST_PIN, newPin: TEST_PIN },
    getSettings: undefined,
    setBigScreen: { screen: 'qr' },
    saveSetup: {
      ticketSource: 'proxy',
      relayUrl,
      kioskId: 'booth-1',
      relayToken: 'tok-booth-1-xyz0123',
    },
    pairWithCode: { ticketSource: 'proxy', relayUrl, code: 'ABCD-EFGH' },
    testConnection: { ticketSource: 'proxy', relayUrl },
    listCampaigns: undefined,
    saveCampaign: {
      id: 'expo',
      name: 'Expo',
      startsOn: null,
      endsOn: null,
      greetings: { 'zh-CN': greetings, en: greetings },
      rotationSeconds: 60,
      ticketLifetimeSeconds: 600,
      mode: 'booth',
    },
    activateCampaign: { id: 'expo' },
    listAttendance: { campaignId: 'expo', query: '', from: null, to: null, offset: 0, limit: 10 },
    getStats: { campaignId: 'expo' },
    startExport: { campaignId: 'expo', format: 'csv' },
    importRoster: {
      fileName: 'r.csv',
      format: 'csv',
      dataBase64: Buffer.from('姓名,公司\n张三,华为\n').toString('base64'),
      skipBadRows: true,
    },
    searchRoster: { query: '张', limit: 10 },
    showDeskTicket: { rosterEntryId: 'r1' },
    getDiagnostics: undefined,
    setStartAtLogin: { enabled: true },
    boothDataAtRisk: undefined,
    clearBooth: { confirmLoss: false },
  }
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '%',
    '_',
    "'; DROP TABLE attendance; --",
    '"',
    '\\',
    '\u0000',
    '\uD800',
    '\u202E',
    '🙂',
    '../../etc/passwd',
    'x'.repeat(300),
    'expo',
    '__proto__',
    'constructor',
    'http://evil.example/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'NaN',
    '1e400',
  ),
)
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(
    null,
    undefined,
    true,
    0,
    -1,
    1.5,
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_VALUE,
    [],
    {},
  ),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
)

type Call = {
  name: KioskMethodName
  how: 'as-is' | 'field' | 'whole' | 'drop' | 'extra' | 'args'
  field: number
  value: unknown
  key: string
}

const callArb: fc.Arbitrary<Call> = fc.record({
  name: fc.constantFrom(
    ...(Object.keys(kioskMethods) as KioskMethodName[]).filter((n) => !SKIPPED.has(n)),
  ),
  how: fc.constantFrom('as-is', 'field', 'field', 'field', 'whole', 'drop', 'extra', 'args'),
  field: fc.nat(),
  value: hostileValue,
  key: fc.string({ maxLength: 10 }),
})

/** The call's arguments: the template with one thing changed. */
function argsOf(c: Call, t: Record<KioskMethodName, unknown>): unknown[] {
  const base = t[c.name]
  if (c.how === 'as-is') return base === undefined ? [] : [base]
  if (c.how === 'whole') return [c.value]
  if (c.how === 'args') return [base, c.value]
  if (typeof base !== 'object' || base === null) return [c.value]
  const input: Record<string, unknown> = { ...base }
  const keys = Object.keys(input)
  const key = keys[c.field % keys.length] ?? 'x'
  if (c.how === 'drop') delete input[key]
  else if (c.how === 'extra') input[c.key] = c.value
  else input[key] = c.value
  return [input]
}

describe('IPC under hostile input', () => {
  it('every channel answers, never with a crash, and a refused call changes nothing', async () => {
    const relayUrl = `http://127.0.0.1:${await closedPort()}`
    const dataDir = tempDir()
    const vault = new MemoryVault()
    provisionDir(dataDir, vault, { relayUrl, kioskId: 'booth-1', token: 'tok-booth-1-xyz0123' })
    const core = startCore(dataDir, vault)
    const ipcMain = new FakeIpcMain()
    const log = memoryLogger()
    registerKioskIpc({
      ipcMain,
      isTrustedSender: (e: IpcMainInvokeEvent) => (e.sender as unknown) === contents,
      call: core.call,
      log,
    })
    const invoke = async (name: string, ...args: unknown[]) =>
      (await ipcMain.invoke(`kiosk:${name}`, ours, ...args)) as IpcReply
    const unlock = async () =>
      expect(await invoke('unlockAdmin', { pin: TEST_PIN })).toEqual({
        ok: true,
        value: { ok: true },
      })
    await unlock()
    const t = templates(relayUrl)
    // Something to lose: a roster and the stored settings.
    expect((await invoke('importRoster', t.importRoster)).ok).toBe(true)
    const held = () => ({
      settings: core.handlers.getSettings(undefined),
      secrets: [vault.get('relayToken'), vault.get('appSecret')],
      campaigns: core.handlers.listCampaigns(undefined),
      roster: core.db.prepare('SELECT * FROM roster_entries ORDER BY id').all(),
      attendance: core.db.prepare('SELECT * FROM attendance ORDER BY id').all(),
    })
    const errors: unknown[] = []
    const onError = (e: unknown) => errors.push(e)
    process.on('unhandledRejection', onError)
    const codes: Record<string, number> = {}
    try {
      await fc.assert(
        fc.asyncProperty(callArb, async (c) => {
          const before = held()
          const reply = await invoke(c.name, ...argsOf(c, t))
          const code = reply.ok ? 'ok' : reply.error.code
          codes[code] = (codes[code] ?? 0) + 1
          expect(code, JSON.stringify(reply)).not.toBe('internal')
          // Refused as a whole, or with field errors (setup, pairing, campaign forms).
          const refused =
            !reply.ok ||
            (typeof reply.value === 'object' &&
              reply.value !== null &&
              'ok' in reply.value &&
              reply.value.ok === false)
          if (refused) expect(held()).toEqual(before)
          if (!reply.ok) {
            // A code the screens word in both languages (test/renderer/error-messages).
            expect(isKioskErrorCode(reply.error.code), reply.error.code).toBe(true)
          }
        }),
        { seed: 194, numRuns: 400 },
      )
    } finally {
      process.off('unhandledRejection', onError)
    }
    expect(errors).toEqual([])
    expect(codes.bad_input).toBeGreaterThan(50)
    expect(codes.ok).toBeGreaterThan(20)
    expect(log.entries.filter((e) => e.message === 'IPC call crashed')).toEqual([])
    // Still answering good calls.
    expect((await invoke('getScreenState')).ok).toBe(true)
    expect(await invoke('searchRoster', { query: '张三' })).toMatchObject({
      ok: true,
      value: [{ name: '张三' }],
    })
  }, 120_000)
})

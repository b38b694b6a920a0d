/**
 * Starting the kiosk the way `npm start` / `kiosk:web` / the Electron shell do: headless
 * provisioning when flags are given, demo mode when nothing is configured, then the core.
 */
import { z } from 'zod'
import { setupInputSchema, type SetupInput } from '../../shared/ipc'
import { createKioskCore, type KioskCore, type KioskCoreOptions } from './kiosk-core'
import { startDemo, type DemoServices } from './demo'
import { planSetup, secretChanges } from './config/setup'
import { beginSetup, finishPendingSetup } from './config/pending-setup'
import { pairAtStart, PairingStartError } from './config/pairing'
import { defaultSettings, loadSettings, saveSettings } from './config/settings'
import { unreadableAsAbsent, type SecretVault } from './config/vault'
import {
  boothDataAtRisk,
  BoothClearHeld,
  BoothClearRefused,
  clearBooth,
  finishInterruptedClear,
} from './clear-booth'
import { atRisk, type KioskEventName, type MethodOutput } from '../../shared/ipc'
import { KioskError } from './api/kiosk-error'
import {
  describeOwner,
  FolderInUseError,
  lockFolder,
  type FolderLock,
} from '../../shared/server/folder-lock'

/**
 * `--relay URL --kiosk-id ID --ticket-source proxy|direct [--api-base URL --appid ID]`, or
 * `--relay URL --pairing-code CODE [...]`: the relay assigns the id and token (pairing.ts).
 */
export type Provisioning = {
  relayUrl: string
  ticketSource: 'proxy' | 'direct'
  apiBase?: string
  appId?: string
} & ({ kioskId: string; pairingCode?: undefined } | { pairingCode: string; kioskId?: undefined })

export class StartupError extends Error {
  override name = 'StartupError'
}

export interface RuntimeOptions {
  dataDir: string
  /** A function is called once the data folder is locked (a new vault key is made in it). */
  vault: SecretVault | (() => SecretVault)
  provisioning?: Provisioning | null
  env?: Record<string, string | undefined>
  core?: Omit<KioskCoreOptions, 'dataDir' | 'vault'>
  /**
   * `sandbox: <url>` / `relay: <url>` as each demo service listens, then `console: <url>
   * (organizer demo, password <pw>)` when the console is built. `forLog` is the line for a log
   * file where it carries a secret (the password is shown, never logged, as the admin PIN).
   */
  onLine?: (line: string, forLog?: string) => void
  /** The built console the demo relay serves (tests); default out/console. */
  consoleDir?: string
  /** Named to a second process refused the data folder, e.g. 'kiosk web'. */
  program?: string
  /** Folders of the kiosk's logs outside the data folder (the Electron shell's): cleared too. */
  logDirs?: readonly string[]
  /**
   * The admin area cleared the booth: a new core runs in the old one's place, as at a first
   * start. The shell shows its `initialPin` as it does at a start.
   */
  onRestart?: (core: KioskCore) => void
}

export interface KioskRuntime {
  /** The running core: a new one once the admin area cleared the booth (`onRestart`). */
  readonly core: KioskCore
  readonly demo: DemoServices | null
  /** Every event of the running core, and of the next one after a clear (the bridges forward them). */
  onEvent(listener: (name: KioskEventName, payload: unknown) => void): () => void
  close(): Promise<void>
}

const pinSchema = z.string().regex(/^\d{4,8}$/)

export async function startKioskRuntime(o: RuntimeOptions): Promise<KioskRuntime> {
  // Before anything reads the folder: a second kiosk on it would share its identity (and be
  // kicked off the relay in turn), its settings and its database (docs/RELIABILITY.md).
  const lock = lockDataFolder(o)
  try {
    // A `kiosk clear` a crash cut short is finished before the vault or the database is read:
    // its secrets and guests' rows never come back (clear-booth.ts).
    const finishClear = (): void => {
      let cleared
      try {
        cleared = finishInterruptedClear(o.dataDir, o.logDirs)
      } catch (err) {
        // Shown as a start-up problem (what to close), not as a crash of the kiosk.
        if (err instanceof BoothClearHeld) throw new StartupError(err.message, { cause: err })
        throw err
      }
      if (cleared !== null) {
        o.core?.log?.warn(
          `a clearing of this booth was cut short: finished now (${cleared.removed.length} files removed); the kiosk starts as at its first start`,
        )
      }
    }
    finishClear()
    // A secret sealed on another computer (a copied data folder) is read as absent, not fatal.
    // Opened again for a core started after a clear: the cleared vault's secrets stay behind.
    const openVault = (): SecretVault =>
      unreadableAsAbsent(typeof o.vault === 'function' ? o.vault() : o.vault, (m) =>
        o.core?.log?.warn(m),
      )
    const locked = (): LockedOptions => ({
      ...o,
      vault: openVault(),
      core: { ...o.core, clearBooth: (confirmLoss) => clear(confirmLoss) },
    })
    const listeners = new Set<(name: KioskEventName, payload: unknown) => void>()
    const forward = (core: KioskCore): void => {
      core.events.onAny((name, payload) => {
        for (const l of listeners) l(name, payload)
      })
    }
    let runtime = await startLocked(locked())
    forward(runtime.core)
    let clearing = false
    /**
     * The admin area's "clear this booth": the core stops (the folder stays locked), the folder
     * is cleared, and a new core starts as at a first start. A refusal stops nothing.
     */
    const clear = async (confirmLoss: boolean): Promise<MethodOutput<'clearBooth'>> => {
      if (clearing) throw new KioskError('unavailable', 'the booth is being cleared already')
      const nativeBinding = o.core?.nativeBinding
      if (!confirmLoss) {
        const risk = boothDataAtRisk(o.dataDir, nativeBinding)
        if (atRisk(risk)) return { ok: false, atRisk: risk }
      }
      clearing = true
      try {
        await runtime.close()
        try {
          const done = clearBooth(o.dataDir, {
            confirmLoss,
            ...(o.logDirs && { logDirs: o.logDirs }),
            ...(nativeBinding !== undefined && { nativeBinding }),
          })
          o.core?.log?.info(
            `this booth was cleared from the admin area (${done.removed.length} files removed)`,
          )
          return { ok: true, removed: done.removed.length, folder: o.dataDir, left: done.left }
        } catch (err) {
          // Stored meanwhile (a desk binding after the count): nothing was cleared.
          if (err instanceof BoothClearRefused) return { ok: false, atRisk: err.atRisk }
          throw err
        } finally {
          // Cleared or not, the booth runs again; a clear cut short by an error is finished first.
          finishClear()
          runtime = await startLocked(locked())
          forward(runtime.core)
          o.onRestart?.(runtime.core)
        }
      } finally {
        clearing = false
      }
    }
    return {
      get core() {
        return runtime.core
      },
      get demo() {
        return runtime.demo
      },
      onEvent: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      close: async () => {
        try {
          await runtime.close()
        } finally {
          lock.release()
        }
      },
    }
  } catch (err) {
    lock.release()
    throw err
  }
}

function lockDataFolder(o: RuntimeOptions): FolderLock {
  try {
    return lockFolder(o.dataDir, {
      program: o.program ?? 'kiosk',
      setting: '--data',
      nativeBinding: o.core?.nativeBinding,
    })
  } catch (err) {
    if (!(err instanceof FolderInUseError)) throw err
    throw new StartupError(
      `数据文件夹 ${err.folder} 正被${describeOwner(err.owner, 'zh-CN')}使用。` +
        '一个文件夹只能由一个签到程序进程使用：请先关闭那个进程，或用 --data 为这个进程指定另一个文件夹。\n' +
        `The data folder ${err.folder} is in use by ${describeOwner(err.owner, 'en')}. ` +
        'One folder serves one check-in app process: close that one first, or start this one with ' +
        '--data and another folder.',
    )
  }
}

type LockedOptions = RuntimeOptions & { vault: SecretVault }

/** One core's run, under a lock its caller holds. */
type LockedRuntime = Omit<KioskRuntime, 'onEvent'>

async function startLocked(o: LockedOptions): Promise<LockedRuntime> {
  const env = o.env ?? process.env
  // Checked before anything is provisioned, paired or started: a refused start stores nothing.
  const initialPin = env.SCANDESK_ADMIN_PIN
  if (initialPin !== undefined && !pinSchema.safeParse(initialPin).success) {
    throw new StartupError('SCANDESK_ADMIN_PIN must be 4–8 digits')
  }
  // A setup a crash cut short between the vault and settings.json is made whole first.
  const finished = finishPendingSetup(o.dataDir, o.vault)
  if (finished !== null) {
    o.core?.log?.warn(
      `a setup was cut short while it was saved: ${finished.applied ? 'applied now' : 'dropped, the setup before it stays'}`,
    )
  }
  const existing = loadSettings(o.dataDir)
  let demo: DemoServices | null = null
  // Provisioning a kiosk that ran the demo leaves demo mode as the setup page does; so does a
  // setup that left it and was applied just now (the demo's data may still be there).
  const leavesDemo =
    (Boolean(o.provisioning) && existing?.demo === true) || finished?.leavesDemo === true
  if (o.provisioning?.pairingCode !== undefined) await provisionByPairing(o, env)
  else if (o.provisioning) provision(o, env)
  else if (existing === null || existing.demo) {
    demo = await startDemo(o.dataDir, o.vault, existing, {
      ...(o.consoleDir !== undefined && { consoleDir: o.consoleDir }),
      nativeBinding: o.core?.nativeBinding,
    })
    o.onLine?.(`sandbox: ${demo.sandbox.url}`)
    o.onLine?.(`relay: ${demo.relay.url}`)
    if (demo.console) {
      const { url, organizer, password } = demo.console
      o.onLine?.(
        `console: ${url} (organizer ${organizer}, password ${password})`,
        `console: ${url} (organizer ${organizer}, password not logged)`,
      )
    }
  }
  let core: KioskCore
  try {
    core = createKioskCore({
      ...o.core,
      dataDir: o.dataDir,
      vault: o.vault,
      demoServices: demo,
      ...(initialPin ? { initialPin } : {}),
    })
    if (leavesDemo) core.forgetDemoData()
    core.start()
  } catch (err) {
    await demo?.close()
    throw err
  }
  return {
    core,
    demo,
    close: async () => {
      await core.stop()
      await demo?.close()
    },
  }
}

/** Pairs (unless already paired with that relay), then provisions as v1 with what it gave. */
async function provisionByPairing(
  o: LockedOptions,
  env: Record<string, string | undefined>,
): Promise<void> {
  const p = o.provisioning
  if (p?.pairingCode === undefined) return
  const { pairingCode, ...rest } = p
  // What the provisioning after it would refuse (a malformed SCANDESK_APP_SECRET, say) stops the
  // start before the one-time code is spent: the relay's id and token stand in for its answer.
  provisioningInput(
    { ...rest, kioskId: PAIRING_STAND_IN.kioskId },
    { ...env, SCANDESK_KIOSK_TOKEN: PAIRING_STAND_IN.token },
  )
  // The AppSecret for direct codes comes from the environment, as without pairing.
  const appSecret = env.SCANDESK_APP_SECRET || undefined
  let result
  try {
    result = await pairAtStart(
      o.dataDir,
      o.vault,
      { ...rest, ...(appSecret !== undefined && { appSecret }), pairingCode },
      { log: o.core?.log },
    )
  } catch (err) {
    if (err instanceof PairingStartError) throw new StartupError(err.message)
    throw err
  }
  // The relay's token takes the place of SCANDESK_KIOSK_TOKEN; none when already paired.
  provision(
    { ...o, provisioning: { ...rest, relayUrl: result.relayUrl, kioskId: result.kioskId } },
    { ...env, SCANDESK_KIOSK_TOKEN: result.paired ? result.token : undefined },
    result.paired ? result.codeHash : undefined,
  )
}

/** Where each provisioning value comes from: a flag of `kiosk web`, or a variable (secrets). */
const PROVISIONING_SOURCES: Record<string, string> = {
  ticketSource: '--ticket-source',
  relayUrl: '--relay',
  kioskId: '--kiosk-id',
  relayToken: 'SCANDESK_KIOSK_TOKEN',
  apiBase: '--api-base',
  appId: '--appid',
  appSecret: 'SCANDESK_APP_SECRET',
}

/** What each provisioning value takes, in our words (Zod's own are not for a deployer). */
const PROVISIONING_FORMS: Record<string, string> = {
  ticketSource: 'must be proxy or direct',
  relayUrl: 'must be an https:// or wss:// URL (http:// and ws:// only to this machine)',
  kioskId: 'must be 1 to 24 of a-z 0-9 -',
  relayToken: 'must be 16 to 256 letters, digits or symbols, without spaces or line breaks',
  apiBase: 'must be an https:// URL (http:// only to this machine)',
}

/**
 * The setup schema's complaints about headless provisioning, each by the flag or variable that
 * gave the value and never with the value (a token or secret): our refinements' own words
 * (plain http, the AppID's form), else what the value takes.
 */
function provisioningProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const field = String(issue.path[0] ?? '')
      const source = PROVISIONING_SOURCES[field] ?? 'provisioning'
      const form = PROVISIONING_FORMS[field]
      if (issue.code === 'custom' || form === undefined) return `${source}: ${issue.message}`
      return `${source} ${form}`
    })
    .join('; ')
}

/** The relay's id and token for the checks made before a pairing code is spent. */
const PAIRING_STAND_IN = { kioskId: 'pairing', token: 'stand-in-for-the-relay-token' }

/** The flags and the secrets from the environment as the setup takes them; refused in words. */
function provisioningInput(p: Provisioning, env: Record<string, string | undefined>): SetupInput {
  const input = setupInputSchema.safeParse({
    ticketSource: p.ticketSource,
    relayUrl: p.relayUrl,
    kioskId: p.kioskId,
    ...(p.apiBase !== undefined ? { apiBase: p.apiBase } : {}),
    ...(p.appId !== undefined ? { appId: p.appId } : {}),
    ...(env.SCANDESK_KIOSK_TOKEN ? { relayToken: env.SCANDESK_KIOSK_TOKEN } : {}),
    ...(env.SCANDESK_APP_SECRET ? { appSecret: env.SCANDESK_APP_SECRET } : {}),
  })
  if (!input.success) throw new StartupError(`provisioning: ${provisioningProblems(input.error)}`)
  return input.data
}

/**
 * Applies the flags and the secrets from the environment (stored in the vault on first use);
 * `pairedCodeHash`, when pairing just now, is saved with the settings.
 */
function provision(
  o: LockedOptions,
  env: Record<string, string | undefined>,
  pairedCodeHash?: string,
): void {
  const p = o.provisioning
  if (!p) return
  const settings = loadSettings(o.dataDir) ?? defaultSettings()
  const plan = planSetup(settings, o.vault, provisioningInput(p, env))
  if (!plan.ok) {
    const names: Record<string, string> = {
      relayToken: 'SCANDESK_KIOSK_TOKEN',
      appSecret: 'SCANDESK_APP_SECRET',
      appId: '--appid',
    }
    throw new StartupError(
      `provisioning: ${plan.errors.map((e) => `${names[e.field] ?? e.field} is required (${e.message})`).join('; ')}`,
    )
  }
  const next = pairedCodeHash === undefined ? plan.settings : { ...plan.settings, pairedCodeHash }
  const changes = secretChanges(o.vault, plan, settings.demo)
  const pending = beginSetup(o.dataDir, o.vault, next, changes, settings.demo)
  saveSettings(o.dataDir, next)
  pending.done()
}

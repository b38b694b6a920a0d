/**
 * Demo mode: no configuration, so start the WeChat sandbox and a relay in this process on
 * loopback, register kiosk `demo`, point the sandbox's pushes at the relay and create a demo
 * campaign. Every start gets a new sandbox, so the settings get a new connection id and codes
 * from an earlier sandbox are never shown. When the organizer's console is built, the relay
 * also gets organizer `demo` with a password made at each start, so the console can be tried:
 * a campaign assigned there to booth `demo` runs on this kiosk as any relay campaign does.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Campaign } from '../../shared/domain'
import { startRelay, type RelayHandle } from '../../relay/server'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { defaultConsoleDir } from '../../relay/console/static-console'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { openCampaignStore } from './campaigns/campaign-store'
import { defaultSettings, newConnectionId, saveSettings, type Settings } from './config/settings'
import type { SecretVault } from './config/vault'

export const DEMO_KIOSK_ID = 'demo'
export const DEMO_CAMPAIGN_ID = 'demo'
export const DEMO_ORGANIZER = 'demo'

/** Where to sign in to the demo relay's console, and as whom (the password is this start's). */
export interface DemoConsole {
  url: string
  organizer: string
  password: string
}

export interface DemoServices {
  sandbox: Sandbox
  relay: RelayHandle
  /** Null when the console is not built (no index.html): the relay would answer 404. */
  console: DemoConsole | null
  close(): Promise<void>
}

export interface DemoOptions {
  /** The built console the relay serves; default: the relay's own (out/console). */
  consoleDir?: string
  /** better-sqlite3's Electron build, for the relay's database as for the kiosk's. */
  nativeBinding?: string | undefined
}

export function demoCampaign(): Campaign {
  return {
    id: DEMO_CAMPAIGN_ID,
    name: 'ScanDesk 演示 Demo',
    startsOn: null,
    endsOn: null,
    greetings: {
      'zh-CN': {
        firstVisit: '欢迎！您是第 {number} 位来宾',
        welcomeBack: '欢迎回来！您的签到号是 {number}',
        named: '{name}，欢迎您！',
      },
      en: {
        firstVisit: 'Welcome! You are visitor no. {number}',
        welcomeBack: 'Welcome back! Your check-in number is {number}',
        named: 'Welcome, {name}!',
      },
    },
    rotationSeconds: 30,
    ticketLifetimeSeconds: 600,
    mode: 'booth',
  }
}

/** Starts the sandbox and relay and writes demo settings, secrets and campaign. */
export async function startDemo(
  dataDir: string,
  vault: SecretVault,
  existing: Settings | null,
  opts: DemoOptions = {},
): Promise<DemoServices> {
  const consoleDir = opts.consoleDir ?? defaultConsoleDir()
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
  let relay: RelayHandle
  try {
    relay = await startRelay(
      {
        port: 0,
        host: '127.0.0.1',
        // The demo relay lives as long as this process; its queue needs no disk.
        data: ':memory:',
        wechat: sandbox.credentials(),
        consoleDir,
      },
      { nativeBinding: opts.nativeBinding },
    )
  } catch (err) {
    await sandbox.close()
    throw err
  }
  let closing: Promise<void> | null = null
  // Called when setup leaves demo mode and again when the process stops: once is enough.
  const close = () =>
    (closing ??= (async () => {
      await relay.close()
      await sandbox.close()
    })())
  let demoConsole: DemoConsole | null = null
  try {
    const token = await relay.addKiosk(DEMO_KIOSK_ID)
    // As `relay organizer add` makes one; the store is in memory, so the name is always free.
    if (existsSync(join(consoleDir, 'index.html'))) {
      demoConsole = {
        url: `${relay.url}/console/`,
        organizer: DEMO_ORGANIZER,
        password: await addOrganizer(relay.store, DEMO_ORGANIZER, Date.now()),
      }
    }
    sandbox.setPushUrl(`${relay.url}/wechat`)
    vault.set('relayToken', token)
    vault.delete('appSecret')
    const campaigns = openCampaignStore(dataDir)
    if (!campaigns.get(DEMO_CAMPAIGN_ID)) campaigns.save(demoCampaign())
    const base = existing ?? defaultSettings()
    const settings: Settings = {
      ...base,
      demo: true,
      kioskId: DEMO_KIOSK_ID,
      ticketSource: 'proxy',
      relayUrl: relay.url,
      apiBase: sandbox.url,
      appId: sandbox.options.appId,
      connectionId: newConnectionId(),
      activeCampaignId: base.activeCampaignId ?? DEMO_CAMPAIGN_ID,
    }
    saveSettings(dataDir, settings)
  } catch (err) {
    await close()
    throw err
  }
  return { sandbox, relay, console: demoConsole, close }
}

/**
 * A venue for relay campaigns in real processes: the WeChat sandbox, the real relay (SQLite,
 * serving the built console), an organizer, and `kiosk web` processes provisioned with a token
 * the relay issued (optionally reaching it through a TCP link the caller can cut). Plus the
 * console API calls a test or bench needs to set a campaign up. No vitest here: bench/ uses it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CAMPAIGN_DEFAULTS,
  consoleCampaignSchema,
  type CampaignInput,
  type ConsoleCampaign,
} from '../../shared/campaign'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { CONSOLE_DIR } from './fake-console-relay'
import { startKioskProcess, type KioskProcess } from './kiosk-process'
import { startTcpLink, type TcpLink } from './tcp-link'

export const ORGANIZER_NAME = 'alice'
export const ADMIN_PIN = '2468'

export const CAMPAIGN: CampaignInput = {
  name: '春季展',
  ...CAMPAIGN_DEFAULTS,
  greetings: {
    'zh-CN': { first: '欢迎 第{number}位', returning: '欢迎回来 {number}', named: '你好 {name}' },
    en: { first: 'Welcome no. {number}', returning: 'Welcome back {number}', named: 'Hi {name}' },
  },
  reply: { subscribe: '感谢关注', scan: '欢迎光临' },
  tag: null,
  followUp: null,
  stamps: [],
}

export interface BoothKiosk {
  id: string
  kiosk: KioskProcess
  /** Set when the kiosk reaches the relay through a link the caller can cut. */
  link: TcpLink | null
}

export interface Venue {
  dir: string
  sandbox: Sandbox
  relay: RelayHandle
  password: string
  /** A `kiosk web` process with a token for `id`; `viaLink`: through a cuttable TCP link. */
  addKiosk(id: string, viaLink?: boolean): Promise<BoothKiosk>
  close(): Promise<void>
}

export async function startVenue(o: { quiet?: boolean } = {}): Promise<Venue> {
  const dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-campaign-'))
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
  const relay = await startRelay(
    {
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: sandbox.credentials(),
      consoleDir: CONSOLE_DIR,
    },
    o.quiet ? { log: silent } : {},
  )
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const password = await addOrganizer(relay.store, ORGANIZER_NAME, Date.now())
  const stops: Array<() => Promise<void>> = []
  return {
    dir,
    sandbox,
    relay,
    password,
    addKiosk: async (id, viaLink = false) => {
      const token = await relay.addKiosk(id)
      const link = viaLink ? await startTcpLink(relay.port) : null
      if (link) stops.push(() => link.close())
      const dataDir = join(dir, id)
      mkdirSync(dataDir, { mode: 0o700 })
      const relayUrl = link ? `http://127.0.0.1:${link.port}` : relay.url
      const kiosk = await startKioskProcess(
        [
          ...['--port', '0', '--data', dataDir, '--relay', relayUrl, '--kiosk-id', id],
          ...['--ticket-source', 'proxy'],
        ],
        { SCANDESK_KIOSK_TOKEN: token, SCANDESK_ADMIN_PIN: ADMIN_PIN },
      )
      stops.push(() => kiosk.stop())
      return { id, kiosk, link }
    },
    close: async () => {
      for (const stop of stops.splice(0).reverse()) await stop()
      await relay.close()
      await sandbox.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The console API as the console page calls it: a session cookie and the relay's Origin. */
export class ConsoleApi {
  private cookie = ''

  constructor(readonly relayUrl: string) {}

  static async signIn(relayUrl: string, name: string, password: string): Promise<ConsoleApi> {
    const api = new ConsoleApi(relayUrl)
    const res = await api.send('POST', '/console/api/login', { name, password })
    api.cookie = /^(scandesk_session=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? ''
    return api
  }

  /** The session cookie, for a request this class does not make (a CSV upload). */
  sessionCookie(): string {
    return this.cookie
  }

  async send(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.relayUrl}${path}`, {
      method,
      headers: {
        origin: this.relayUrl,
        cookie: this.cookie,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`)
    return res
  }

  async createCampaign(input: CampaignInput): Promise<ConsoleCampaign> {
    const res = await this.send('POST', '/console/api/campaigns', input)
    return consoleCampaignSchema.parse(await res.json())
  }

  async editCampaign(id: string, input: CampaignInput): Promise<void> {
    await this.send('PUT', `/console/api/campaigns/${id}`, input)
  }

  async assign(kioskId: string, campaignId: string | null): Promise<void> {
    await this.send('PUT', `/console/api/kiosks/${kioskId}`, { campaignId })
  }
}

/**
 * The kiosk page, in a real Chromium, tries to reach Node and the kiosk's secrets: Node globals
 * and `node:` imports, `file://` reads and the data dir's vault key, every kiosk API method (the
 * same calls `window.kiosk` makes in Electron) with the admin area unlocked, the event stream,
 * an account endpoint that echoes what the kiosk sends it, and the web API without the
 * per-start secret or from another origin. The kiosk is provisioned like a real install
 * (`kiosk web` with a relay token and an AppSecret) and has been started once before, so there
 * is a previous start's web secret to look for too.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { kioskMethods, type KioskMethodName } from '../../shared/ipc'
import { testCampaign } from '../kiosk/helpers'
import { CALL, SESSION_KEY, launchChromium, waitForPage } from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'

const KIOSK_ID = 'e2e-isolation'
const PIN = '2468'

const answerSchema = z.object({ status: z.number(), body: z.string() })
type Answer = z.infer<typeof answerSchema>
const probeSchema = z.union([answerSchema, z.object({ error: z.string() })])

/** In-page source: fetch a URL, reporting the answer or the error instead of throwing. */
const PROBE = `async (url, init) => {
  try {
    const r = await fetch(url, init)
    return { status: r.status, body: (await r.text()).slice(0, 20000) }
  } catch (e) {
    return { error: String(e) }
  }
}`

async function call(page: Page, name: string, input?: unknown, key = 'session'): Promise<Answer> {
  const k = key === 'session' ? SESSION_KEY : JSON.stringify(key === 'none' ? null : key)
  const arg = input === undefined ? 'undefined' : JSON.stringify(input)
  return answerSchema.parse(await page.evaluate(`(${CALL})(${JSON.stringify(name)}, ${arg}, ${k})`))
}

async function probe(page: Page, url: string, init: object = {}) {
  return probeSchema.parse(
    await page.evaluate(`(${PROBE})(${JSON.stringify(url)}, ${JSON.stringify(init)})`),
  )
}

/**
 * An account API base that echoes what it is sent — the URL, the JSON body with the AppSecret
 * — in its error message, as a misconfigured proxy or a captive portal might; `/portal` paths
 * answer a redirect carrying the original URL; `/blank` is a plain page on another origin.
 */
async function startEchoApi(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (c: string) => (body += c))
    req.on('end', () => {
      if (req.url === '/blank') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>x</title>')
        return
      }
      if (req.url?.startsWith('/portal/')) {
        res.writeHead(302, { location: `/login?orig=${encodeURIComponent(req.url)}` }).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errcode: 40013, errmsg: `${body} ${req.url ?? ''}` }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('the kiosk page cannot reach Node or the secrets (Chromium, web mode)', () => {
  let dir: string
  let dataDir: string
  let sandbox: Sandbox
  let relay: RelayHandle
  let echo: { url: string; server: Server }
  let kiosk: KioskProcess
  let browser: Browser
  let page: Page
  let previousWebSecret: string
  let secrets: Record<string, string>
  /** Every /api/ answer the browser received (bodies), the page's own calls included. */
  const answers: string[] = []
  let flags: string[]
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-isolation-'))
    dataDir = join(dir, 'kiosk')
    sandbox = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      appId: 'wxe2e0isolation012',
      appSecret: randomBytes(16).toString('hex'), // 32 letters or digits, as the kiosk insists
    })
    const o = sandbox.options
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: sandbox.credentials(),
    })
    const token = await relay.addKiosk(KIOSK_ID)
    echo = await startEchoApi()
    flags = [
      ...['--port', '0', '--data', dataDir, '--relay', relay.url, '--kiosk-id', KIOSK_ID],
      ...['--ticket-source', 'direct', '--api-base', sandbox.url, '--appid', o.appId],
    ]
    env = { SCANDESK_KIOSK_TOKEN: token, SCANDESK_APP_SECRET: o.appSecret, SCANDESK_ADMIN_PIN: PIN }
    // A previous start: its web secret must be worthless now and never show up again.
    const first = await startKioskProcess(flags, env)
    previousWebSecret = new URL(first.kioskUrl).searchParams.get('key') ?? ''
    await first.stop()
    kiosk = await startKioskProcess(flags, env)
    const vaultKey = readFileSync(join(dataDir, 'vault.key'), 'utf8').trim()
    secrets = {
      appSecret: o.appSecret,
      relayToken: token,
      vaultKey,
      vaultKeyHex: Buffer.from(vaultKey, 'base64').toString('hex'),
      previousWebSecret,
    }
    for (const [name, value] of Object.entries(secrets)) {
      if (value.length < 16) throw new Error(`${name} is not a real secret: ${value}`)
    }

    browser = await launchChromium()
    page = await browser.newPage()
    page.on('response', (r) => {
      if (!r.url().includes('/api/') || r.url().includes('/api/events')) return
      r.text().then(
        (t) => answers.push(t),
        () => {}, // no body (redirects, refused requests)
      )
    })
    await page.goto(kiosk.kioskUrl)
    await waitForPage(page, `${SESSION_KEY} !== null && document.querySelector('#app *') !== null`)
    // Record the event stream the page can open, from the start.
    await page.evaluate(`(() => {
      window.__events = []
      const es = new EventSource('/api/events?key=' + encodeURIComponent(${SESSION_KEY}))
      for (const name of ${JSON.stringify(['ticket', 'status', 'greeting', 'campaign', 'attendance', 'exportProgress', 'locale'])})
        es.addEventListener(name, (e) => window.__events.push(name + ' ' + e.data))
    })()`)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await kiosk?.stop()
    await relay?.close()
    await sandbox?.close()
    await new Promise((r) => echo?.server.close(r))
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  const leaks = (text: string) =>
    Object.entries(secrets)
      .filter(([, v]) => text.includes(v))
      .map(([k]) => k)

  it('has no Node: no require, process, module or Buffer, and node: modules do not load', async () => {
    const globals = z.record(z.string(), z.string()).parse(
      await page.evaluate(`({
        require: typeof require,
        process: typeof process,
        module: typeof module,
        exports: typeof exports,
        Buffer: typeof globalThis.Buffer,
        global: typeof global,
        __dirname: typeof __dirname,
        setImmediate: typeof setImmediate,
      })`),
    )
    expect(globals).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      exports: 'undefined',
      Buffer: 'undefined',
      global: 'undefined',
      __dirname: 'undefined',
      setImmediate: 'undefined',
    })
    const imports = z.array(z.string()).parse(
      await page.evaluate(`Promise.all(['node:fs', 'fs', 'node:child_process', 'electron'].map(
        (m) => import(m).then(() => 'loaded ' + m, () => 'refused')))`),
    )
    expect(imports).toEqual(['refused', 'refused', 'refused', 'refused'])
  })

  it('cannot read files: file:// URLs and the vault key through the web server', async () => {
    const keyFile = join(dataDir, 'vault.key')
    const attempts = [
      'file:///etc/passwd',
      `file://${keyFile}`,
      `/${'..%2f'.repeat(12)}${keyFile.slice(1)}`,
      `/${'%2e%2e%2f'.repeat(12)}${keyFile.slice(1)}`,
      `/${'..%5c'.repeat(12)}${keyFile.slice(1)}`,
      `/%2f${keyFile.slice(1)}`,
      `/..%2f..%2fpackage.json`,
    ]
    for (const url of attempts) {
      const r = await probe(page, url)
      expect(leaks(JSON.stringify(r)), url).toEqual([])
      if ('status' in r) expect(r.body, url).not.toContain('root:')
      if (url.startsWith('file:')) expect(r, url).toHaveProperty('error')
      else if ('status' in r) expect(r.body, url).not.toContain('"name": "scandesk"')
    }
  })

  it('every kiosk API method, admin area unlocked, answers without a secret', async () => {
    const campaign = testCampaign()
    const csv = Buffer.from('姓名,编号\n张三,C001\n').toString('base64')
    const setup = {
      ticketSource: 'direct',
      relayUrl: relay.url,
      kioskId: KIOSK_ID,
      apiBase: sandbox.url,
      appId: sandbox.options.appId,
    }
    // One input per contract method: a method added to the contract must be added here.
    const inputs: Record<KioskMethodName, unknown> = {
      getScreenState: undefined,
      greetingShown: { eventId: 'e2e-none' },
      setLocale: { locale: 'en' },
      unlockAdmin: { pin: PIN },
      lockAdmin: undefined,
      setPin: { currentPin: PIN, newPin: PIN },
      getSettings: undefined,
      setBigScreen: { screen: 'qr' },
      saveSetup: setup,
      // A code the relay does not know: refused (404), nothing changes.
      pairWithCode: { ...setup, kioskId: undefined, code: 'ACDE-FGHJ' },
      testConnection: undefined,
      listCampaigns: undefined,
      saveCampaign: campaign,
      activateCampaign: { id: campaign.id },
      listAttendance: { campaignId: campaign.id },
      getStats: { campaignId: campaign.id },
      startExport: { campaignId: campaign.id, format: 'csv' },
      importRoster: { fileName: 'r.csv', format: 'csv', dataBase64: csv, skipBadRows: false },
      searchRoster: { query: '' },
      showDeskTicket: { rosterEntryId: 'set below' },
      getDiagnostics: undefined,
      setStartAtLogin: { enabled: false },
      boothDataAtRisk: undefined,
      // Refused (a confirmation is a boolean): clearing would end the booth this test reads.
      clearBooth: { confirmLoss: 'yes' },
    }
    const order = Object.keys(kioskMethods) as KioskMethodName[]
    const results: Array<[string, Answer]> = []
    // Locked first (admin methods must refuse), then unlocked, wrong PIN included.
    for (const name of order) {
      if (name !== 'unlockAdmin')
        results.push([`locked ${name}`, await call(page, name, inputs[name])])
    }
    results.push(['wrong pin', await call(page, 'unlockAdmin', { pin: '13579' })])
    expect((await call(page, 'unlockAdmin', { pin: PIN })).body).toBe('{"result":{"ok":true}}')
    for (const name of order) {
      if (name === 'lockAdmin') continue
      if (name === 'showDeskTicket') {
        const found = z
          .object({ result: z.array(z.object({ id: z.string() })) })
          .parse(JSON.parse((await call(page, 'searchRoster', { query: '' })).body))
        inputs.showDeskTicket = { rosterEntryId: found.result[0]?.id ?? 'none' }
      }
      results.push([name, await call(page, name, inputs[name])])
    }
    // The stored AppSecret is never sent to a new account address: it must be typed again.
    results.push([
      'saveSetup moved',
      await call(page, 'saveSetup', { ...setup, apiBase: echo.url }),
    ])
    // Typed again for an account endpoint echoing what the kiosk sends it (URL and JSON body
    // with the AppSecret), then one that redirects with the original URL: answers stay clean.
    const appSecret = sandbox.options.appSecret
    for (const apiBase of [echo.url, `${echo.url}/portal`]) {
      results.push([
        'saveSetup echo',
        await call(page, 'saveSetup', { ...setup, apiBase, appSecret }),
      ])
      results.push(['testConnection echo', await call(page, 'testConnection')])
      results.push([
        'showDeskTicket echo',
        await call(page, 'showDeskTicket', inputs.showDeskTicket),
      ])
      results.push(['getDiagnostics echo', await call(page, 'getDiagnostics')])
      results.push(['getScreenState echo', await call(page, 'getScreenState')])
    }
    results.push(['saveSetup back', await call(page, 'saveSetup', { ...setup, appSecret })])
    results.push(['lockAdmin', await call(page, 'lockAdmin')])

    const byName = new Map(results)
    // The calls did run: admin answers while unlocked, refusals while locked.
    expect(byName.get('locked getSettings')?.status).toBe(403)
    expect(byName.get('getSettings')?.status).toBe(200)
    expect(JSON.parse(byName.get('getSettings')?.body ?? '{}')).toMatchObject({
      result: { hasAppSecret: true, hasRelayToken: true, ticketSource: 'direct' },
    })
    expect(byName.get('showDeskTicket')?.status).toBe(200)
    expect(byName.get('testConnection')?.status).toBe(200)
    expect(byName.get('testConnection echo')?.body).toMatch(/"ok":false/)
    expect(byName.get('saveSetup moved')?.body).toMatch(/"field":"appSecret","code":"reenter"/)
    expect(byName.get('pairWithCode')?.body).toMatch(/"code":"pairing_code_invalid"/)
    expect(byName.get('saveSetup echo')?.body).toBe('{"result":{"ok":true}}')
    expect(byName.get('saveSetup back')?.body).toBe('{"result":{"ok":true}}')
    expect(byName.get('lockAdmin')?.status).toBe(200)
    for (const [name, answer] of results) expect(leaks(answer.body), name).toEqual([])

    // Everything the browser received from the API, and the event stream so far.
    await expect.poll(() => answers.length).toBeGreaterThanOrEqual(results.length)
    for (const body of answers) expect(leaks(body)).toEqual([])
    const events = z.array(z.string()).parse(await page.evaluate('window.__events'))
    expect(events.length).toBeGreaterThan(0)
    for (const e of events) expect(leaks(e)).toEqual([])
    expect(leaks(await page.content())).toEqual([])
    // What the kiosk itself printed: the web address (with this start's key), never a secret.
    expect(leaks(kiosk.output())).toEqual([])
  }, 120_000)

  it('refuses API calls without this start’s secret: none, wrong, or the previous start’s', async () => {
    for (const key of ['none', 'x'.repeat(32), previousWebSecret]) {
      const r = await call(page, 'getScreenState', undefined, key)
      expect(r.status, key).toBe(401)
      expect(r.body).not.toContain('"result"')
    }
    const events = await probe(page, `/api/events?key=${encodeURIComponent(previousWebSecret)}`)
    expect(events).toMatchObject({ status: 401 })
    expect((await call(page, 'getScreenState')).status).toBe(200) // the page's own key works
  })

  it('another origin gets nothing, even holding the secret, and changes nothing', async () => {
    const secret = new URL(kiosk.kioskUrl).searchParams.get('key') ?? ''
    const api = new URL(kiosk.kioskUrl).origin
    const other = await browser.newPage()
    const posts: number[] = [] // statuses of the POSTs that reached the bridge
    other.on('response', (r) => {
      if (r.url().startsWith(`${api}/api/`) && r.request().method() === 'POST')
        posts.push(r.status())
    })
    // Another loopback origin (another port), a page with no CSP of its own to stop the fetches.
    await other.goto(`${echo.url}/blank`)
    expect((await call(page, 'setLocale', { locale: 'en' })).status).toBe(200)
    const tries = [
      // CORS: the bearer header needs a preflight the bridge refuses.
      [
        `${api}/api/call/getScreenState`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: '{}',
        },
      ],
      // "Simple" requests that need no preflight: the key in the query string.
      [
        `${api}/api/call/setLocale?key=${secret}`,
        {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: '{"input":{"locale":"zh-CN"}}',
        },
      ],
      [`${api}/api/events?key=${secret}`, { mode: 'no-cors' }],
      [`${api}/api/events?key=${secret}`, {}],
    ] as const
    for (const [url, init] of tries) {
      const r = await probe(other, url, init)
      // Nothing readable: a network error, or an opaque answer with no body.
      if ('status' in r) expect([r.status, r.body], url).toEqual([0, ''])
    }
    await other.close()
    // The no-preflight POST reached the bridge and was refused there (Origin), not just hidden
    // by the browser. (The no-cors GET of the event stream is answered, opaquely: 127.0.0.1 on
    // another port is "same-site", so it carries neither Origin nor a cross-site
    // Sec-Fetch-Site; see docs/RELIABILITY.md.)
    expect(posts).toEqual([403])
    // The foreign setLocale did not happen.
    const after = await call(page, 'getScreenState')
    expect(JSON.parse(after.body)).toMatchObject({ result: { locale: 'en' } })
  })
})

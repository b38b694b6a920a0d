// Web mode's loopback bridge: only our own page, holding this start's secret, may call the
// kiosk; a download closes its file however it ends; and the browser client built on it
// behaves like window.kiosk.
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createWebKioskApi,
  KioskCallError,
  type EventSourceFactory,
  type EventSourceLike,
} from '../../renderer/src/bridge/web-client'
import { kioskMethods, type KioskApi, type ScreenState } from '../../shared/ipc'
import type { Greeting, KioskStatus } from '../../shared/domain'
import { startWebServer, newWebSecret } from '../../electron/core/web/web-server'
import { silentLogger, type LogFields, type Logger } from '../../shared/server/log'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { adminEventRow } from '../helpers/admin-event-row'
import { openFds } from '../helpers/fds'
import { rawHttp as raw } from '../helpers/raw-http'
import {
  cleanup,
  kioskOn,
  onCleanup,
  startCore,
  startPlatform,
  tempDir,
  testCampaign,
  TEST_PIN,
  waitFor,
} from './helpers'

afterEach(cleanup)

async function bridge() {
  const dir = tempDir()
  openCampaignStore(dir).save(testCampaign())
  saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
  const secret = newWebSecret()
  const core = startCore(dir, new MemoryVault(), {
    exportDownloadUrl: (id) => `/api/exports/${id}?key=${secret}`,
  })
  const staticDir = join(dir, 'renderer')
  mkdirSync(join(staticDir, 'assets'), { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>kiosk</title>')
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(dir, 'secret.txt'), 'outside the web root')
  const web = await startWebServer({ target: core, secret, staticDir, port: 0 })
  onCleanup(() => web.close())
  return { core, web, secret, dir }
}

/** A small EventSource over fetch (Node has none); enough for `text/event-stream`. */
/** Event streams whose response has arrived: the bridge is sending to them from then on. */
let streamsOpen = 0
const fetchEventSource: EventSourceFactory = (url) => {
  const controller = new AbortController()
  const listeners = new Map<string, Set<(e: { data: string }) => void>>()
  void (async () => {
    const res = await fetch(url, { signal: controller.signal })
    streamsOpen++
    if (!res.body) return
    const decoder = new TextDecoder()
    let buffer = ''
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const name = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (name && data !== undefined) for (const l of listeners.get(name) ?? []) l({ data })
      }
    }
  })().catch(() => {})
  const es: EventSourceLike = {
    addEventListener: (type, l) => {
      if (!listeners.has(type)) listeners.set(type, new Set())
      listeners.get(type)?.add(l)
    },
    removeEventListener: (type, l) => listeners.get(type)?.delete(l),
    close: () => controller.abort(),
  }
  onCleanup(() => es.close())
  return es
}

describe('web bridge security', () => {
  it('refuses calls without the secret, with a wrong one, or from another origin', async () => {
    const { web, secret } = await bridge()
    const call = `${web.url}/api/call/getScreenState`
    const json = { 'content-type': 'application/json' }
    expect((await raw(call, { method: 'POST', headers: json, body: '{}' })).status).toBe(401)
    expect(
      (
        await raw(call, {
          method: 'POST',
          headers: { ...json, authorization: `Bearer ${secret}x` },
          body: '{}',
        })
      ).status,
    ).toBe(401)
    const good = { ...json, authorization: `Bearer ${secret}` }
    const ok = await raw(call, { method: 'POST', headers: good, body: '{}' })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toHaveProperty('result.campaign.id', 'expo')

    // Even with the secret, a page from another origin is refused.
    const foreign = await raw(call, {
      method: 'POST',
      headers: { ...good, origin: 'http://evil.example' },
      body: '{}',
    })
    expect(foreign.status).toBe(403)
    const sameHostOtherPort = await raw(call, {
      method: 'POST',
      headers: { ...good, origin: `http://127.0.0.1:${web.port + 1}` },
      body: '{}',
    })
    expect(sameHostOtherPort.status).toBe(403)
    // Another port on 127.0.0.1 is the same *site*: its no-cors GETs carry no Origin, only
    // Sec-Fetch-Site. Only same-origin (our page) and none (a typed address) get through.
    for (const site of ['same-site', 'cross-site']) {
      const sneaky = await raw(`${web.url}/api/events?key=${secret}`, {
        headers: { 'sec-fetch-site': site },
      })
      expect(sneaky.status, site).toBe(403)
    }
    expect(
      (
        await raw(call, {
          method: 'POST',
          headers: { ...good, 'sec-fetch-site': 'same-origin' },
          body: '{}',
        })
      ).status,
    ).toBe(200)
    expect(
      (await raw(call, { method: 'POST', headers: { ...good, origin: web.url }, body: '{}' }))
        .status,
    ).toBe(200)

    // DNS rebinding: evil.example resolving to 127.0.0.1 still sends its own Host.
    expect(
      (await raw(call, { method: 'POST', headers: { ...good, host: 'evil.example' }, body: '{}' }))
        .status,
    ).toBe(421)
    expect(
      (await raw(`${web.url}/`, { headers: { host: `evil.example:${web.port}` } })).status,
    ).toBe(421)

    // Form posts (no JSON content type) never reach a method.
    expect(
      (
        await raw(call, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415)
  })

  it('sends an event as it is emitted, not after the synchronous work that follows it', async () => {
    const { core, web, secret } = await bridge()
    // The listener is another process, so it reads while this one is busy: it prints
    // "open" once the stream is up, then the time each `locale` event arrives.
    const client = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').get(process.argv[1], (res) => {
          console.log('open')
          res.setEncoding('utf8')
          res.on('data', (c) => { if (c.includes('event: locale')) console.log('at ' + Date.now()) })
        })`,
        `${web.url}/api/events?key=${secret}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    onCleanup(() => void client.kill())
    let out = ''
    client.stdout.setEncoding('utf8')
    client.stdout.on('data', (c: string) => (out += c))
    await waitFor(() => out.includes('open'), 'the event stream open')
    // The core emits, then goes on with synchronous work (as a greeting is followed by the
    // pool's rotation and a SQLite commit): here, a second of it.
    core.events.emit('locale', 'en')
    const busyUntil = Date.now() + 1000
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000)
    await waitFor(() => /at \d+/.test(out), 'the locale event')
    const arrived = Number(/at (\d+)/.exec(out)?.[1])
    expect(arrived).toBeLessThan(busyUntil)
  })

  it('events and downloads need the key too; static files stay inside the web root', async () => {
    const { web, secret } = await bridge()
    // RFC 9110 15.5.2: a 401 carries a challenge; Bearer (the key's header), which no browser
    // answers with a password dialog.
    for (const path of ['/api/events', '/api/events?key=nope', '/api/exports/x_1']) {
      const refused = await raw(`${web.url}${path}`)
      expect(refused.status, path).toBe(401)
      expect(refused.headers['www-authenticate'], path).toBe('Bearer realm="scandesk-kiosk"')
    }
    // The admin area is locked: with the key alone no download, known or not, gets past it.
    expect((await raw(`${web.url}/api/exports/x_1?key=${secret}`)).status).toBe(403)
    expect((await raw(`${web.url}/api/exports/x_1`)).status).toBe(401)
    expect((await raw(`${web.url}/`)).body).toContain('<title>kiosk</title>')
    expect((await raw(`${web.url}/admin`)).body).toContain('<title>kiosk</title>')
    expect((await raw(`${web.url}/assets/app.js`)).status).toBe(200)
    expect((await raw(`${web.url}/assets/missing.js`)).status).toBe(404)
    const traversal = await raw(`${web.url}/..%2Fsecret.txt`)
    expect(traversal.body).not.toContain('outside the web root')
    expect(web.kioskUrl).toBe(`${web.url}/?key=${secret}`)
  })

  it('an export downloads only while the admin area is unlocked, as listAttendance reads', async () => {
    // The key is the kiosk screen's (any tab it was opened in holds it); the attendance sheet,
    // every visitor's openid and registered name, is the admin area's, behind the PIN.
    const { core, web, secret } = await bridge()
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const { exportId } = (await core.call('startExport', {
      campaignId: 'expo',
      format: 'csv',
    })) as { exportId: string }
    await core.whenIdle()
    const url = `${web.url}/api/exports/${exportId}?key=${secret}`
    const open = await raw(url)
    expect(open.status).toBe(200)
    expect(open.body).toContain('\ufeff')

    await core.call('lockAdmin', undefined)
    const locked = await raw(url)
    expect(locked.status).toBe(403)
    expect(JSON.parse(locked.body)).toEqual({ error: { code: 'admin_locked', params: {} } })
    expect(locked.body).not.toContain('\ufeff')

    // The session idled out (or the page reloaded): the same.
    await core.call('unlockAdmin', { pin: TEST_PIN })
    expect((await raw(url)).status).toBe(200)
    core.auth.lock()
    expect((await raw(url)).status).toBe(403)
  })

  it('answers a HEAD for an export without the file, and not_found once the file is gone', async () => {
    // The export page asks first (a HEAD) so a refusal is said on the page. A file deleted from
    // the exports folder after it was written failed the GET mid-answer (stat threw) instead.
    const { core, web, secret } = await bridge()
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const { exportId } = (await core.call('startExport', {
      campaignId: 'expo',
      format: 'csv',
    })) as { exportId: string }
    await core.whenIdle()
    const url = `${web.url}/api/exports/${exportId}?key=${secret}`
    const head = await raw(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0)
    expect(head.headers['content-disposition']).toMatch(/^attachment; /)
    expect(
      (await raw(`${web.url}/api/exports/x_none?key=${secret}`, { method: 'HEAD' })).status,
    ).toBe(404)
    // Refused on the same terms as the GET: a wrong key, or the admin area locked (no length
    // or file name of the sheet to a screen key alone).
    const wrongKey = await raw(`${web.url}/api/exports/${exportId}?key=x${secret}`, {
      method: 'HEAD',
    })
    expect(wrongKey.status).toBe(401)
    expect(wrongKey.headers['content-disposition']).toBeUndefined()
    await core.call('lockAdmin', undefined)
    const locked = await raw(url, { method: 'HEAD' })
    expect(locked.status).toBe(403)
    expect(locked.headers['content-disposition']).toBeUndefined()
    // Locked, an id this kiosk never made is refused alike: the screen key alone cannot tell
    // which exports exist.
    for (const method of ['HEAD', 'GET'] as const) {
      expect((await raw(`${web.url}/api/exports/x_none?key=${secret}`, { method })).status).toBe(
        403,
      )
    }
    await core.call('unlockAdmin', { pin: TEST_PIN })

    const file = core.exports.file(exportId)
    expect(file).not.toBeNull()
    rmSync(file?.path ?? '')
    expect((await raw(url, { method: 'HEAD' })).status).toBe(404)
    const get = await raw(url)
    expect(get.status).toBe(404)
    expect(JSON.parse(get.body)).toEqual({ error: { code: 'not_found', params: {} } })
  })

  it("streams the admin area's events only while it is unlocked: no openids to a locked screen", async () => {
    const { core, web, secret } = await bridge()
    const got: Array<[string, unknown]> = []
    const opened = streamsOpen
    const es = fetchEventSource(`${web.url}/api/events?key=${secret}`)
    for (const name of ['attendance', 'exportProgress', 'locale'])
      es.addEventListener(name, (e) => got.push([name, JSON.parse(e.data)]))
    await waitFor(() => streamsOpen > opened, 'the event stream open')
    const row = adminEventRow
    // One stream, in order: a row sent while locked would arrive before the locale.
    core.events.emit('attendance', row)
    core.events.emit('locale', 'en')
    await waitFor(() => got.length > 0, 'the locale event')
    expect(got).toEqual([['locale', 'en']])

    await core.call('unlockAdmin', { pin: TEST_PIN })
    const { exportId } = (await core.call('startExport', {
      campaignId: 'expo',
      format: 'csv',
    })) as { exportId: string }
    core.events.emit('attendance', row)
    await waitFor(() => got.some(([n]) => n === 'attendance'), 'the attendance row')
    await waitFor(
      () =>
        got.some(([n, p]) => n === 'exportProgress' && (p as { state: string }).state === 'done'),
      'the export done',
    )
    expect(got.find(([n]) => n === 'exportProgress')?.[1]).toMatchObject({ exportId })

    await core.call('lockAdmin', undefined)
    got.length = 0
    core.events.emit('attendance', row)
    core.events.emit('locale', 'zh-CN')
    await waitFor(() => got.length > 0, 'the second locale event')
    expect(got).toEqual([['locale', 'zh-CN']])
  })

  it('answers an oversized body 413 from its declared length, before it is sent', async () => {
    const { web, secret } = await bridge()
    // A page (or anything on this machine) announcing a gigabyte, sending a few bytes, and
    // keeping the socket open: refused at once, never read or waited for.
    const socket = connect(web.port, '127.0.0.1')
    // The bridge closes with the promised gigabyte unread: the close may come as a reset.
    socket.on('error', () => socket.destroy())
    const head = new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (c: Buffer) => {
        text += c.toString('utf8')
        if (text.includes('\r\n\r\n')) resolve(text)
      })
    })
    socket.write(
      `POST /api/call/getScreenState HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\n` +
        `Authorization: Bearer ${secret}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 1000000000\r\n\r\n{"input":',
    )
    onCleanup(() => void socket.destroy())
    expect(await head).toMatch(/^HTTP\/1\.1 413 .*\r\n[\s\S]*connection: close/i)
  })

  it('answers bad JSON 400 (field body), and a wrong method 405 with Allow', async () => {
    const { web, secret } = await bridge()
    const call = `${web.url}/api/call/getScreenState`
    const good = { 'content-type': 'application/json', authorization: `Bearer ${secret}` }
    const bad = await raw(call, { method: 'POST', headers: good, body: '{"input":' })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toEqual({
      error: { code: 'bad_input', params: { field: 'body' } },
    })
    const get = await raw(call, { headers: { authorization: `Bearer ${secret}` } })
    expect(get.status).toBe(405)
    expect(get.headers.allow).toBe('POST')
    const events = await raw(`${web.url}/api/events?key=${secret}`, { method: 'POST' })
    expect(events.status).toBe(405)
    expect(events.headers.allow).toBe('GET')
  })

  it('maps call errors to codes and statuses', async () => {
    const { web, secret } = await bridge()
    const post = (name: string, body: unknown) =>
      raw(`${web.url}/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify(body),
      })
    const locked = await post('getSettings', {})
    expect(locked.status).toBe(403)
    expect(JSON.parse(locked.body) as unknown).toMatchObject({ error: { code: 'admin_locked' } })
    const bad = await post('unlockAdmin', { input: { pin: '12' } })
    expect(bad.status).toBe(400)
    // Code and params only, no sentence: the page words it in its own language.
    expect(JSON.parse(bad.body) as unknown).toEqual({
      error: { code: 'bad_input', params: { field: 'pin' } },
    })
    expect((await post('noSuchMethod', {})).status).toBe(404)
    expect((await post('constructor', {})).status).toBe(404)
  })
})

/** A bridge whose one export (any id) is `exportPath`; its warnings land in `warned`. */
async function downloadBridge(exportPath: string, fileName = 'attendance.csv') {
  const warned: Array<{ msg: string; fields?: LogFields }> = []
  const log: Logger = { ...silentLogger, warn: (msg, fields) => warned.push({ msg, fields }) }
  const secret = newWebSecret()
  const staticDir = join(tempDir(), 'renderer')
  mkdirSync(join(staticDir, 'assets'), { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>kiosk</title>')
  const target = {
    call: () => Promise.reject(new Error('unused')),
    events: { onAny: () => () => undefined },
    unshownGreetings: () => [],
    exports: { file: () => ({ path: exportPath, fileName }) },
    isAdminUnlocked: () => true,
  } as unknown as Parameters<typeof startWebServer>[0]['target']
  const web = await startWebServer({ target, secret, staticDir, port: 0, log })
  onCleanup(() => web.close())
  return { web, secret, staticDir, warned }
}

describe('web bridge downloads', () => {
  it.skipIf(!existsSync('/proc/self/fd'))(
    'a download the browser cancels closes its file (exports and static files alike)',
    async () => {
      const dir = tempDir()
      const big = join(dir, 'attendance.csv')
      writeFileSync(big, Buffer.alloc(20 * 1024 * 1024))
      const { web, secret, staticDir } = await downloadBridge(big)
      const asset = join(staticDir, 'assets', 'big.js')
      writeFileSync(asset, Buffer.alloc(20 * 1024 * 1024))
      for (const [url, file] of [
        [`${web.url}/api/exports/x_1?key=${secret}`, big],
        [`${web.url}/assets/big.js`, asset],
      ] as const) {
        // The answer's head arrives; its body is never read, so the server is held mid-file.
        const req = request(url)
        await new Promise((resolve, reject) => {
          req.on('response', resolve).on('error', reject).end()
        })
        await waitFor(() => openFds(file) === 1, `${url} being sent`)
        req.destroy()
        // Left open, the file would stay open for good: the helper's 10 s tell them apart.
        await waitFor(() => openFds(file) === 0, `${url} closed after the cancel`)
      }
    },
  )

  it("names the file in a filename* every browser reads: a campaign's quote and brackets encoded", async () => {
    // encodeURIComponent leaves ' ( ) ! as they are, which RFC 8187 does not allow in the
    // value; a strict reader (Firefox) then drops filename* and saves the ASCII fallback
    // (`Tom_s_Expo__..._.csv`) instead of the campaign's name.
    const dir = tempDir()
    const file = join(dir, 'sheet.csv')
    writeFileSync(file, 'x')
    const name = "Tom's Expo (北京)!-签到记录-20260502-073015.csv"
    const { web, secret } = await downloadBridge(file, name)
    const res = await raw(`${web.url}/api/exports/x_1?key=${secret}`)
    const disposition = String(res.headers['content-disposition'])
    const ext = /filename\*=UTF-8''(\S+)$/.exec(disposition)?.[1] ?? ''
    // RFC 8187 value-chars: attr-char or a percent-encoded octet, nothing else.
    expect(ext).toMatch(/^(?:%[0-9A-F]{2}|[A-Za-z0-9!#$&+\-.^_`|~])+$/)
    expect(ext).not.toMatch(/['()]/)
    expect(decodeURIComponent(ext)).toBe(name)
  })

  it('a download whose file cannot be read is cut off, and the bridge goes on', async () => {
    // A folder opens but cannot be read: the read fails once the answer's head is written.
    const { web, secret, warned } = await downloadBridge(tempDir())
    const download = fetch(`${web.url}/api/exports/x_1?key=${secret}`).then((r) => r.arrayBuffer())
    await expect(download).rejects.toThrow()
    expect(warned).toEqual([
      {
        msg: 'web bridge: export download failed',
        fields: { exportId: 'x_1', error: expect.stringContaining('EISDIR') as unknown },
      },
    ])
    expect((await raw(`${web.url}/`)).body).toContain('<title>kiosk</title>')
  })
})

describe('web client (window.kiosk in a browser)', () => {
  it('has every contract method, calls through the bridge, and throws coded errors', async () => {
    const { web, secret, core } = await bridge()
    const api: KioskApi = createWebKioskApi(web.url, secret, { eventSource: fetchEventSource })
    for (const name of Object.keys(kioskMethods))
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function')
    const state = await api.getScreenState()
    expect(state.campaign?.id).toBe('expo')

    const err = await api.getSettings().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KioskCallError)
    expect((err as KioskCallError).code).toBe('admin_locked')
    expect(await api.unlockAdmin({ pin: TEST_PIN })).toEqual({ ok: true })
    expect((await api.getSettings()).activeCampaignId).toBe('expo')

    const statuses: KioskStatus[] = []
    const locales: string[] = []
    const opened = streamsOpen
    const off = api.on('status', (s) => statuses.push(s))
    api.on('locale', (l) => locales.push(l))
    await waitFor(() => streamsOpen > opened, 'the event stream open')
    await api.setLocale({ locale: 'en' })
    await waitFor(() => locales.length === 1, 'locale event')
    expect(locales).toEqual(['en'])
    // Events that fail their schema are dropped, not passed on.
    core.events.emit('locale', 'fr' as 'en')
    await api.setLocale({ locale: 'zh-CN' })
    await waitFor(() => locales.length === 2, 'second locale event')
    expect(locales).toEqual(['en', 'zh-CN'])
    off()

    const wrong = createWebKioskApi(web.url, 'not-the-secret')
    await expect(wrong.getScreenState()).rejects.toMatchObject({ code: 'web_key_rejected' })
  })

  it('re-reads the screen state each time the event stream (re)opens', async () => {
    const { web, secret } = await bridge()
    // A stream that delivers nothing: only its opens, fired by the test (what the page misses
    // while the browser's EventSource is down is exactly the events).
    const opens = new Set<(e: { data: string }) => void>()
    const silent: EventSourceFactory = () => ({
      addEventListener: (type, l) => {
        if (type === 'open') opens.add(l)
      },
      removeEventListener: (type, l) => opens.delete(l),
      close: () => opens.clear(),
    })
    const api = createWebKioskApi(web.url, secret, { eventSource: silent })
    const screens: ScreenState[] = []
    api.on('ticket', () => undefined)
    const off = api.on('screen', (s) => screens.push(s))
    const open = () => opens.forEach((l) => l({ data: '' }))

    open()
    await waitFor(() => screens.length === 1, 'the state read on the first open')
    expect(screens[0]?.campaign?.id).toBe('expo')
    expect(screens[0]?.locale).toBe('zh-CN')

    // Changed while the stream was down: the reconnection brings it.
    await api.unlockAdmin({ pin: TEST_PIN })
    await api.setLocale({ locale: 'en' })
    open()
    await waitFor(() => screens.length === 2, 'the state read on reopening')
    expect(screens[1]?.locale).toBe('en')

    // Nobody listening for the screen: nothing is read.
    off()
    let calls = 0
    const counting = createWebKioskApi(web.url, secret, {
      eventSource: silent,
      fetch: (input, init) => {
        calls++
        return fetch(input, init)
      },
    })
    counting.on('ticket', () => undefined)
    open()
    await new Promise((r) => setTimeout(r, 100))
    expect(calls).toBe(0)
    expect(screens).toHaveLength(2)
  })
})

describe('greetings sent while no event stream was open', () => {
  it('a new stream starts with the recent greetings not yet shown, in order', async () => {
    const p = await startPlatform()
    // The core's clock, moved on by the test (the greeting window is the core's default, 60 s).
    let skew = 0
    const { core } = await kioskOn(p, { core: { now: () => Date.now() + skew } })
    const secret = newWebSecret()
    const staticDir = join(tempDir(), 'renderer')
    mkdirSync(staticDir, { recursive: true })
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>kiosk</title>')
    const web = await startWebServer({ target: core, secret, staticDir, port: 0 })
    onCleanup(() => web.close())
    await waitFor(() => core.status().relay.state === 'connected', 'relay link')
    const greeted: Greeting[] = []
    core.on('greeting', (g) => greeted.push(g))
    /** A visitor scans the code on screen; resolves with the greeting the core sent nobody. */
    const visit = async (openid: string) => {
      const code = await waitFor(() => core.pool.current() ?? undefined, 'a code on screen')
      const before = greeted.length
      await p.sandbox.scan(code.url, openid)
      return await waitFor(() => greeted[before], `${openid}'s greeting`)
    }
    /**
     * A page opening its event stream (a load, or the browser reconnecting): the greetings it
     * gets before a locale event sent once it is open (the stream keeps the order).
     */
    const page = async () => {
      const api = createWebKioskApi(web.url, secret, { eventSource: fetchEventSource })
      const got: string[] = []
      let locales = 0
      const opened = streamsOpen
      api.on('greeting', (g) => got.push(g.eventId))
      api.on('locale', () => locales++)
      await waitFor(() => streamsOpen > opened, 'the event stream open')
      await api.setLocale({ locale: 'zh-CN' })
      await waitFor(() => locales === 1, 'the locale event after the backlog')
      return { api, got }
    }

    // Scanned before any page listened (the kiosk page still loading): it is not lost.
    const a = await visit('o_before_page')
    const first = await page()
    expect(first.got).toEqual([a.eventId])
    await first.api.greetingShown({ eventId: a.eventId })

    // Two more while the stream is down (the browser reconnecting): a new stream gets both,
    // in order, and not the one already shown.
    const b = await visit('o_gap_1')
    const c = await visit('o_gap_2')
    const second = await page()
    expect(second.got).toEqual([b.eventId, c.eventId])
    await second.api.greetingShown({ eventId: b.eventId })
    expect((await page()).got).toEqual([c.eventId])

    // Past the window the visitor has walked on: not offered again.
    skew += 61_000
    expect((await page()).got).toEqual([])
    expect(core.attendance.byEventId(c.eventId)?.greetingShown).toBe(false)
  })
})

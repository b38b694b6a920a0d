/**
 * Checks electron-vite's output (`npm test` builds it first in `pretest`; built here if
 * missing). The preload bundle is run in a VM with a fake `electron`, as Electron's sandbox
 * would run it, and what it hands to contextBridge is inspected.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { runInNewContext } from 'node:vm'
import { beforeAll, describe, expect, it } from 'vitest'
import { kioskEvents, kioskMethods } from '../../shared/ipc'

const out = resolve('out')
const bundles = {
  main: join(out, 'main', 'index.js'),
  preload: join(out, 'preload', 'index.cjs'),
  renderer: join(out, 'renderer', 'index.html'),
}

beforeAll(() => {
  if (Object.values(bundles).every((file) => existsSync(file))) return
  const require = createRequire(import.meta.url)
  const cli = join(
    dirname(require.resolve('electron-vite/package.json')),
    'bin',
    'electron-vite.js',
  )
  execFileSync(process.execPath, [cli, 'build'], { stdio: 'pipe' })
}, 120_000)

type Listener = (...args: unknown[]) => void

function loadPreload(
  reply: (channel: string, input: unknown) => unknown = () => ({ ok: true, value: null }),
) {
  const exposed: Array<[string, unknown]> = []
  const invoked: Array<[string, unknown[]]> = []
  const listeners = new Map<string, Set<Listener>>()
  const required: string[] = []
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => exposed.push([key, value]),
    },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push([channel, args])
        return Promise.resolve(reply(channel, args[0]))
      },
      on: (channel: string, listener: Listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set())
        listeners.get(channel)?.add(listener)
      },
      removeListener: (channel: string, listener: Listener) =>
        listeners.get(channel)?.delete(listener),
    },
  }
  // A sandboxed preload may require only a few built-ins; ours needs nothing but electron.
  const fakeRequire = (id: string) => {
    required.push(id)
    if (id === 'electron') return electron
    throw new Error(`${id} is not available to a sandboxed preload`)
  }
  const code = readFileSync(bundles.preload, 'utf8')
  const wrapper = runInNewContext(`(function (require, module, exports) {\n${code}\n})`, {
    console,
  }) as (require: unknown, module: unknown, exports: unknown) => void
  const module = { exports: {} }
  wrapper(fakeRequire, module, module.exports)
  return { exposed, invoked, listeners, required }
}

function api(
  loaded: ReturnType<typeof loadPreload>,
): Record<string, (...args: unknown[]) => unknown> {
  return loaded.exposed[0]?.[1] as Record<string, (...args: unknown[]) => unknown>
}

describe('electron-vite build output', () => {
  it('has the main, preload and renderer bundles', () => {
    for (const file of Object.values(bundles)) expect(existsSync(file), file).toBe(true)
    const html = readFileSync(bundles.renderer, 'utf8')
    expect(html).toContain('Content-Security-Policy')
    for (const [, asset] of html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)) {
      expect(existsSync(join(out, 'renderer', asset ?? '')), asset).toBe(true)
    }
  })

  it('main bundle never turns the security options off', () => {
    const main = readFileSync(bundles.main, 'utf8')
    expect(main).toMatch(/contextIsolation:\s*true/)
    expect(main).toMatch(/sandbox:\s*true/)
    expect(main).not.toMatch(/nodeIntegration:\s*true/)
    expect(main).not.toMatch(/contextIsolation:\s*false/)
    expect(main).not.toMatch(/sandbox:\s*false/)
    expect(main).not.toMatch(/webSecurity:\s*false/)
  })
})

describe('preload bundle', () => {
  it('exposes `kiosk` and nothing else, requiring only electron', () => {
    const loaded = loadPreload()
    expect(loaded.exposed.map(([key]) => key)).toEqual(['kiosk'])
    expect([...new Set(loaded.required)]).toEqual(['electron'])
  })

  it('`kiosk` holds exactly one function per contract method, plus on()', () => {
    const kiosk = api(loadPreload())
    expect(Object.keys(kiosk).sort()).toEqual([...Object.keys(kioskMethods), 'on'].sort())
    for (const value of Object.values(kiosk)) expect(typeof value).toBe('function')
    expect(Object.isFrozen(kiosk)).toBe(true)
    // No raw IPC in any form.
    for (const banned of ['invoke', 'send', 'ipcRenderer', 'sendSync', 'postMessage']) {
      expect(kiosk[banned]).toBeUndefined()
    }
  })

  it('each method invokes its own channel with its single input and unwraps the reply', async () => {
    const loaded = loadPreload((channel) =>
      channel === 'kiosk:getSettings'
        ? { ok: false, error: { code: 'admin_locked', params: {} } }
        : { ok: true, value: { ok: true } },
    )
    const kiosk = api(loaded)
    await expect(kiosk['setLocale']?.({ locale: 'en' })).resolves.toEqual({ ok: true })
    expect(loaded.invoked).toEqual([['kiosk:setLocale', [{ locale: 'en' }]]])
    // Errors arrive as a plain {code, params}: Error objects lose `code` over contextBridge.
    await expect(kiosk['getSettings']?.()).rejects.toEqual({ code: 'admin_locked', params: {} })
  })

  it('on() accepts only contract events and passes the payload alone', () => {
    const loaded = loadPreload()
    const kiosk = api(loaded)
    expect(() => kiosk['on']?.('kiosk:setLocale', () => undefined)).toThrow(/Unknown kiosk event/)
    expect(() => kiosk['on']?.('status', 'not a function')).toThrow()

    for (const event of Object.keys(kioskEvents)) {
      const received: unknown[][] = []
      const off = kiosk['on']?.(event, (...args: unknown[]) => received.push(args)) as () => void
      const channelListeners = loaded.listeners.get(`kiosk-event:${event}`)
      expect(channelListeners?.size, event).toBe(1)
      const ipcEvent = { sender: { send: () => undefined }, ports: [] }
      for (const listener of channelListeners ?? []) listener(ipcEvent, { value: 1 })
      // The IpcRendererEvent (and its `sender`) never reaches the page.
      expect(received).toEqual([[{ value: 1 }]])
      off()
      expect(loaded.listeners.get(`kiosk-event:${event}`)?.size).toBe(0)
    }
  })
})

// Web mode's bridge under random calls: clients without the secret get nothing, admin methods
// stay locked, no input makes the kiosk answer 500, and no answer ever carries a secret.
import { request } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { kioskMethods } from '../../shared/ipc'
import { newWebSecret, startWebServer } from '../../electron/core/web/web-server'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { cleanup, onCleanup, startCore, tempDir, testCampaign } from '../kiosk/helpers'
import { prng } from './push-fuzz-gen'

afterEach(cleanup)

const RELAY_TOKEN = 'relay-token-SHOULD-NEVER-LEAK-0001'
const APP_SECRET = 'appsecret-should-never-leak-00002'

function post(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
  method = 'POST',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.setTimeout(5000, () => req.destroy(new Error('no answer')))
    req.on('error', reject)
    req.end(body)
  })
}

function randomValue(rnd: () => number, depth = 0): unknown {
  const r = Math.floor(rnd() * 9)
  const str = () =>
    Array.from({ length: Math.floor(rnd() * 40) }, () =>
      String.fromCharCode(32 + Math.floor(rnd() * 0x2fff)),
    ).join('')
  if (r === 0) return null
  if (r === 1) return rnd() < 0.5
  if (r === 2) return Math.floor((rnd() - 0.5) * 1e12)
  if (r === 3) return rnd() * 1e308 * (rnd() < 0.5 ? -1 : 1)
  if (r === 4 || depth > 3) return str()
  if (r === 5)
    return Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(rnd, depth + 1))
  const keys = [
    'locale',
    'eventId',
    'pin',
    'id',
    'campaignId',
    'format',
    'name',
    '__proto__',
    str(),
  ]
  const o: Record<string, unknown> = {}
  for (let i = Math.floor(rnd() * 4); i > 0; i--) {
    o[keys[Math.floor(rnd() * keys.length)] ?? 'x'] = randomValue(rnd, depth + 1)
  }
  return o
}

describe('web-mode API fuzz', () => {
  it('600 random calls: no secret → nothing, admin stays locked, never 500, no secret leaks', async () => {
    const dir = tempDir()
    openCampaignStore(dir).save(testCampaign())
    saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
    const vault = new MemoryVault()
    vault.set('relayToken', RELAY_TOKEN)
    vault.set('appSecret', APP_SECRET)
    const secret = newWebSecret()
    const core = startCore(dir, vault)
    const staticDir = join(dir, 'renderer')
    mkdirSync(staticDir, { recursive: true })
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
    const web = await startWebServer({ target: core, secret, staticDir, port: 0 })
    onCleanup(() => web.close())

    const rnd = prng(42)
    const names = Object.keys(kioskMethods) as Array<keyof typeof kioskMethods>
    const host = `127.0.0.1:${web.port}`
    const counts: Record<string, number> = {}
    for (let i = 0; i < 600; i++) {
      const name = names[Math.floor(rnd() * names.length)] ?? 'getScreenState'
      // unlockAdmin with random guesses would only lock the PIN out; the fuzz covers the rest.
      if (name === 'unlockAdmin') continue
      const authed = rnd() < 0.7
      const headers: Record<string, string> = { host, 'content-type': 'application/json' }
      if (authed) headers.authorization = `Bearer ${secret}`
      else if (rnd() < 0.5) {
        // One character off. Not a fixed letter: the secret is random and may end in it.
        headers.authorization = `Bearer ${secret.slice(0, -1)}${secret.endsWith('A') ? 'b' : 'A'}`
      }
      const body =
        rnd() < 0.8
          ? JSON.stringify({ input: randomValue(rnd) })
          : JSON.stringify(randomValue(rnd)).slice(0, Math.floor(rnd() * 50))
      const res = await post(web.port, `/api/call/${name}`, headers, body)
      counts[res.status] = (counts[res.status] ?? 0) + 1
      expect(res.status, `${name} ${body}`).not.toBe(500)
      expect(res.body).not.toContain(RELAY_TOKEN)
      expect(res.body).not.toContain(APP_SECRET)
      if (!authed) expect(res.status).toBe(401)
      // Input is validated first (400), so only "never 200" is the rule for a locked method.
      else if (kioskMethods[name].admin) {
        expect([400, 403], `${name} ${body} → ${res.status} ${res.body}`).toContain(res.status)
      }
    }
    // The fuzz reached refusals and real answers alike.
    expect(counts['401']).toBeGreaterThan(50)
    // Admin methods that take no input can't fail validation: they must say locked.
    const inputless = names.filter((n) => kioskMethods[n].admin && kioskMethods[n].input === null)
    expect(inputless.length).toBeGreaterThan(0)
    for (const name of inputless) {
      const res = await post(
        web.port,
        `/api/call/${name}`,
        { host, 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        '{}',
      )
      expect(res.status, name).toBe(403)
    }
    expect((counts['200'] ?? 0) + (counts['400'] ?? 0)).toBeGreaterThan(50)
    // Still serving afterwards.
    const ok = await post(
      web.port,
      '/api/call/getScreenState',
      {
        host,
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
      },
      '{}',
    )
    expect(ok.status).toBe(200)
  })
})

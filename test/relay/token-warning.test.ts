/**
 * A WeChat Token WeChat's server configuration would not take (not 3–32 letters or digits) is
 * said at start, on the deployed bundle, without the Token itself; the relay still starts with
 * it, as it always has. A Token WeChat takes gets no warning. So is a malformed EncodingAESKey in
 * plain mode (compat and safe refuse it at start): deploy samples carry placeholders, and it fails
 * only when someone switches the mode.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wechatAesKeyWarning, wechatTokenWarning } from '../../relay/config'
import { tempDir } from './harness'
import { ROOT, buildRelayBundle, spawnRelay, type RelayProcess } from './relay-process'

let bundle: ReturnType<typeof buildRelayBundle>
const relays: RelayProcess[] = []
const dirs: string[] = []

beforeAll(() => {
  bundle = buildRelayBundle()
})
afterAll(() => {
  for (const r of relays) if (r.child.exitCode === null) r.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  bundle.remove()
})

describe('wechatTokenWarning', () => {
  it('is null for an empty Token and for 3–32 letters or digits', () => {
    for (const ok of ['', 'abc', 'Scan2026Desk', 'a'.repeat(32)]) {
      expect(wechatTokenWarning(ok), ok).toBeNull()
    }
  })

  it('names the rule for any other Token, never the Token', () => {
    for (const bad of ['ab', 'a'.repeat(33), 'my-token-1', 'scan_desk', '签到令牌1']) {
      const warning = wechatTokenWarning(bad)
      expect(warning, bad).toMatch(/3–32 letters or digits/)
      expect(warning).not.toContain(bad)
    }
  })
})

describe('wechatAesKeyWarning', () => {
  const key = 'Abc0+/'.repeat(8).slice(0, 43)

  it('is null in plain mode for no key or 43 base64 characters, and in compat/safe (refused there)', () => {
    expect(wechatAesKeyWarning({ mode: 'plain', encodingAESKey: '' })).toBeNull()
    expect(wechatAesKeyWarning({ mode: 'plain', encodingAESKey: key })).toBeNull()
    expect(wechatAesKeyWarning({ mode: 'compat', encodingAESKey: 'short' })).toBeNull()
  })

  it('names the setting and the rule for any other key in plain mode, never the key', () => {
    for (const bad of ['short', `${key}=`, '!'.repeat(43), `${key.slice(1)} `]) {
      const warning = wechatAesKeyWarning({ mode: 'plain', encodingAESKey: bad })
      expect(warning, bad).toMatch(/wechat\.encodingAESKey is not 43 base64 characters/)
      expect(warning).toMatch(/compat or safe mode/)
      expect(warning).not.toContain(bad)
    }
  })
})

describe('the relay at start', () => {
  async function start(token: string, env: Record<string, string> = {}): Promise<RelayProcess> {
    const dir = tempDir('relay-token-warning-')
    dirs.push(dir)
    const relay = await spawnRelay(
      process.execPath,
      [bundle.entry, '--port', '0', '--host', '127.0.0.1', '--data', dir],
      { cwd: ROOT, env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: token, ...env } },
    )
    relays.push(relay)
    return relay
  }
  const warned = (r: RelayProcess) => r.log.filter((l) => l.msg.includes('3–32 letters or digits'))

  it('warns once about a Token WeChat would not take, and serves anyway', async () => {
    const relay = await start('my-secret-token')
    expect(warned(relay)).toHaveLength(1)
    expect(JSON.stringify(relay.log)).not.toContain('my-secret-token')
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
    relay.child.kill('SIGTERM')
    expect(await relay.exited).toEqual({ code: 0, signal: null })
  }, 60_000)

  it('warns once about a plain-mode EncodingAESKey compat/safe would refuse, and serves anyway', async () => {
    const relay = await start('ScanDesk2026', { SCANDESK_RELAY_WECHAT_ENCODING_AES_KEY: 'short' })
    const aes = relay.log.filter((l) => l.msg.includes('wechat.encodingAESKey'))
    expect(aes).toHaveLength(1)
    expect(aes[0]?.level).toBe('warn')
    expect(JSON.stringify(relay.log)).not.toContain('short')
    expect(warned(relay)).toHaveLength(0)
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
    relay.child.kill('SIGTERM')
    expect(await relay.exited).toEqual({ code: 0, signal: null })
  }, 60_000)

  it('warns at start that a previous Token is still accepted, naming the variable, never the Token', async () => {
    const relay = await start('ScanDesk2026', {
      SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN: 'OldDesk2025',
    })
    const previous = relay.log.filter((l) => l.msg.includes('SCANDESK_RELAY_WECHAT_PREVIOUS_TOKEN'))
    expect(previous.map((l) => l.level)).toEqual(['warn'])
    expect(JSON.stringify(relay.log)).not.toContain('OldDesk2025')
    relay.child.kill('SIGTERM')
    expect(await relay.exited).toEqual({ code: 0, signal: null })
  }, 60_000)

  it('says nothing about a Token WeChat takes', async () => {
    const relay = await start('ScanDesk2026')
    expect(warned(relay)).toHaveLength(0)
    expect(relay.log.filter((l) => l.msg.includes('previous'))).toEqual([])
    relay.child.kill('SIGTERM')
    expect(await relay.exited).toEqual({ code: 0, signal: null })
  }, 60_000)
})

// `kiosk web` (headless, under systemd: journald keeps its stderr, often shipped on) logs the
// kiosk core's lines, which the Electron app scrubs on their way to main.log: the same rules.
import { describe, expect, it } from 'vitest'
import { kioskWebLogger } from '../../electron/core/cli/cli-web'

describe('kiosk web log', () => {
  it('scrubs openids, tokens and secrets as the Electron log does, keeping the booth', () => {
    const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'
    const token = 'booth-7.Ab3_xY9-kLm2NoPq_rStUvWx-yZ012345678_9aBcDe'
    const lines: string[] = []
    const log = kioskWebLogger((line) => lines.push(line))
    log.warn(`storing scan 12 failed: visitor ${openid}`, { kioskId: 'booth-7' })
    log.error('relay link: the request could not be made', { relayToken: token, seq: 12 })
    log.info(`token=${token} secret=0123456789abcdef0123456789abcdef`)
    const text = lines.join('')
    for (const secret of [openid, token.slice(8), '0123456789abcdef0123456789abcdef']) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('storing scan 12 failed')
    expect(text).toContain('"kioskId":"booth-7"')
    expect(text).toContain('"seq":12')
  })
})

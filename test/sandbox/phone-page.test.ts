// The phone page in a real Chromium: pick a code, scan, see the passive reply as a chat bubble.
// Needs Debian's chromium (CI installs it); a missing browser fails the test, it does not skip.
import { afterEach, describe, expect, it } from 'vitest'
import { parsePushXml } from '../../shared/wechat/push'
import { buildTextReply } from '../../shared/wechat/reply'
import { launchChromium } from '../e2e/browser'
import { closeAll, receiver, sandbox, tempCode } from './helpers'

afterEach(closeAll)

describe('phone page in Chromium', () => {
  it('scans the picked code and shows the reply, then SCAN on the second try', async () => {
    // Plays the developer's server: greets by event, addressed back to the visitor.
    const r = await receiver((push) => {
      const e = parsePushXml(push.body)
      const content = e.kind === 'subscribe-scene' ? `Welcome, ${e.scene}` : 'Welcome back'
      return {
        body: buildTextReply({ toUser: e.openid, fromUser: e.toUser, content, createTime: 1 }),
      }
    })
    const sb = await sandbox({ pushUrl: r.url })
    const code = await tempCode(sb, 'booth:7')
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${sb.url}/`)
      await page.locator('.code').first().click()
      expect(await page.inputValue('#url')).toBe(code.url)
      await page.click('#scan')
      await expect
        .poll(() => page.locator('.bubble').first().textContent())
        .toBe('Welcome, booth:7')
      await page.click('#scan')
      await expect.poll(() => page.locator('.bubble').first().textContent()).toBe('Welcome back')
      expect(r.received).toHaveLength(2)
      // The QR thumbnail loaded from showqrcode.
      const loaded: unknown = await page.evaluate(
        "(() => { const i = document.querySelector('.code img'); return !!i && i.complete && i.naturalWidth > 0 })()",
      )
      expect(loaded).toBe(true)
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})

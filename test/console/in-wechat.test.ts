// Which browsers the console takes for WeChat's built-in one (console/src/in-wechat.ts): its
// pages say there that downloads do not work and to open the page in a browser.
import { describe, expect, it } from 'vitest'
import { inWeChat } from '../../console/src/in-wechat'
import { WECHAT_ANDROID_UA, WECHAT_IOS_UA } from '../helpers/wechat-user-agents'

describe('inWeChat', () => {
  it('is WeChat on Android, iOS, the desktop apps, and WeCom', () => {
    const weCom =
      'Mozilla/5.0 (Linux; Android 12; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 ' +
      'Chrome/107.0.5304.141 Mobile Safari/537.36 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh'
    const windows =
      'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) ' +
      'WindowsWechat(0x6309092b) XWEB/9129 Flue'
    for (const ua of [WECHAT_ANDROID_UA, WECHAT_IOS_UA, weCom, windows]) {
      expect(inWeChat(ua), ua).toBe(true)
    }
  })

  it('is not an ordinary browser, nor a page that only mentions WeChat', () => {
    const others = [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
      'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 Weibo',
      '',
    ]
    for (const ua of others) expect(inWeChat(ua), ua).toBe(false)
  })
})

// Which browsers the console takes for WeChat's built-in one (console/src/in-wechat.ts), and
// which kind: its pages say there that downloads may not work and how to open the page in a
// browser, which is the ⋯ menu on a phone and a toolbar button in the desktop apps' window.
import { describe, expect, it } from 'vitest'
import { weChatBrowser } from '../../console/src/in-wechat'
import { WECHAT_ANDROID_UA, WECHAT_IOS_UA, WECHAT_WINDOWS_UA } from '../helpers/wechat-user-agents'

const WECOM_ANDROID =
  'Mozilla/5.0 (Linux; Android 12; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 ' +
  'Chrome/107.0.5304.141 Mobile Safari/537.36 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh'
const WECHAT_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'MicroMessenger/6.8.0(0x16080000) MacWechat/3.8.7(0x13080710) Safari/605.1.15 NetType/WIFI'
const WECOM_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/86.0.4240.99 Safari/537.36 wxwork/4.1.16 (MicroMessenger/6.2) WeChat/2.0.4 Language/zh'
const WECOM_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'wxwork/4.1.16 (MicroMessenger/6.2) WeChat/2.0.4 Language/zh ColorScheme/Light'

describe('weChatBrowser', () => {
  it('is a phone for WeChat on Android and iOS, and WeCom on a phone', () => {
    for (const ua of [WECHAT_ANDROID_UA, WECHAT_IOS_UA, WECOM_ANDROID]) {
      expect(weChatBrowser(ua), ua).toBe('phone')
    }
  })

  it("is the desktop for WeChat's and WeCom's apps on Windows and the Mac", () => {
    for (const ua of [WECHAT_WINDOWS_UA, WECHAT_MAC, WECOM_WINDOWS, WECOM_MAC]) {
      expect(weChatBrowser(ua), ua).toBe('desktop')
    }
  })

  it('is none for an ordinary browser, nor a page that only mentions WeChat', () => {
    const others = [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
      'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 Weibo',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 WindowsWechat',
      '',
    ]
    for (const ua of others) expect(weChatBrowser(ua), ua).toBe(null)
  })
})

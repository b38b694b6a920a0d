/**
 * User-Agents of WeChat's built-in browser, as a phone (or the desktop app) that opens a link
 * from a chat sends them (the console, relay and e2e tests share them).
 */

/** Android: XWeb (Chromium) in WeChat 8.0. */
export const WECHAT_ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 ' +
  '(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 ' +
  'MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin ' +
  'NetType/WIFI Language/zh_CN ABI/arm64'

/** iOS: WKWebView in WeChat 8.0. */
export const WECHAT_IOS_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like ' +
  'Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN'

/** Windows: the desktop app's own window (XWeb), WeChat 3.9. */
export const WECHAT_WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) ' +
  'WindowsWechat(0x6309092b) XWEB/9129 Flue'

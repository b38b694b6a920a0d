/**
 * WeChat's built-in browser (XWeb/X5 on Android, WKWebView on iOS, the desktop apps too): every
 * one says `MicroMessenger/<version>` in its User-Agent, WeCom's (`wxwork`) as well. Links
 * passed around in WeChat chats open there, where a file download does not start (Android) or
 * is only previewed (iOS), so the pages with downloads say what to do instead.
 */
export function inWeChat(userAgent: string = navigator.userAgent): boolean {
  return /\bMicroMessenger\//i.test(userAgent)
}

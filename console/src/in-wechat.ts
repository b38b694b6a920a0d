/**
 * WeChat's built-in browser: every one says `MicroMessenger/<version>` in its User-Agent,
 * WeCom's (`wxwork`) as well. On a phone (XWeb/X5 on Android, WKWebView on iOS) a file download
 * does not start (Android) or is only previewed (iOS), and the way out is the ⋯ menu at the top
 * right. The desktop apps (`WindowsWechat`, `MacWechat`; WeCom's on a computer names only
 * Windows or the Mac) open a link in a window of their own, whose toolbar has a button that
 * opens the page in the computer's default browser instead, and no ⋯ to tap. The pages with
 * downloads say what to do in each.
 */
export type WeChatBrowser = 'phone' | 'desktop'

/** Which of WeChat's built-in browsers the page runs in, or null in any other. */
export function weChatBrowser(userAgent: string = navigator.userAgent): WeChatBrowser | null {
  if (!/\bMicroMessenger\//i.test(userAgent)) return null
  if (/\b(?:WindowsWechat|MacWechat)\b/i.test(userAgent)) return 'desktop'
  if (/\bwxwork\//i.test(userAgent) && /\b(?:Windows NT|Macintosh)\b/.test(userAgent)) {
    return 'desktop'
  }
  return 'phone'
}

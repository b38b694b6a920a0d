/**
 * A console link opened as a page without a session: a download link (attendance sheet,
 * winners) copied into a WeChat chat, or opened by WeChat's "Open in browser" from a sheet it
 * previewed (the system browser has none of WeChat's cookies). The API's JSON 401 would show as
 * raw text; a page navigation gets the same 401 as a page saying, in Chinese and English, to
 * sign in to the console and download from there. The console's own requests (fetch, HEAD)
 * keep the JSON.
 */
import type { IncomingMessage } from 'node:http'
import { bilingualPageHtml, staticPage } from '../static-page'

export const SIGNED_OUT_PAGE_HTML = bilingualPageHtml(
  '请先登录控制台 · Sign in to the console first',
  {
    heading: '请先登录控制台',
    text: '这个链接（签到记录或中奖名单的下载）只在已登录 ScanDesk 活动控制台的浏览器里有效。在微信里或在另一个浏览器中打开、或登录已过期时，就会看到本页。请<a href="/console/">打开控制台</a>登录，再从「签到记录」或活动的「抽奖」里下载。在微信里，请先点击右上角「⋯」选择「在浏览器打开」：微信里无法下载文件。',
  },
  {
    heading: 'Sign in to the console first',
    text: 'This link (an attendance or winners download) works only in a browser signed in to the ScanDesk event console: opened in WeChat or in another browser, or after the sign-in expired, it shows this page. <a href="/console/">Open the console</a>, sign in, and download from Attendance or the campaign\'s Lucky draws. In WeChat, first tap ⋯ at the top right and choose "Open in browser": WeChat cannot download files.',
  },
)

export const sendSignedOutPage = staticPage(SIGNED_OUT_PAGE_HTML)

/**
 * The request is a browser opening a page (a link followed, an address typed), not a script's
 * fetch: `Sec-Fetch-Dest: document`, or, from a browser too old to send Sec-Fetch-* (older
 * WeChat on Android), an Accept that names HTML first.
 */
export function isPageNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false
  const dest = req.headers['sec-fetch-dest']
  if (dest !== undefined) return dest === 'document'
  return /^\s*text\/html\b/i.test(req.headers.accept ?? '')
}

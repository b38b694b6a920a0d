/**
 * `GET /pair/<code>`: what a phone shows when someone scans the console's pairing QR with it
 * (the QR holds `<relay>/pair/<code>` for the kiosk's setup page, which takes the link pasted or
 * typed by a barcode scanner). A static page saying so, in Chinese and English.
 *
 * It pairs nothing and looks nothing up: the same bytes for every well-formed code, used,
 * expired or never issued, so it tells no one whether a code is live; it does not echo the code
 * (nothing from the URL reaches the page), runs no script, loads nothing, and sends no referrer.
 * Only `POST /api/pair` spends a code.
 */
import type { ServerResponse } from 'node:http'
import { PAIRING_ALPHABET, PAIRING_CODE_LENGTH } from '../shared/console-api'
import { bilingualPageHtml, staticPage } from './static-page'

/** The path's code as the console writes it into the QR. */
export const PAIR_LINK_CODE = new RegExp(`^[${PAIRING_ALPHABET}]{${PAIRING_CODE_LENGTH}}$`)

export const PAIR_PAGE_HTML = bilingualPageHtml(
  'ScanDesk 签到台配对链接 · Booth pairing link',
  {
    heading: '这是 ScanDesk 签到台的配对链接',
    text: '在手机上打开它不会完成配对。请在签到台的设置页，把这个链接粘贴（或用扫码枪扫入）到“配对码”输入框，中继地址会一并填好；也可以直接输入活动控制台上显示的 8 位配对码。配对码只能使用一次，15 分钟内有效。',
  },
  {
    heading: 'This is a ScanDesk booth pairing link',
    text: "Opening it on a phone pairs nothing. On the booth's setup page, paste this link (or scan it with a barcode scanner) into the pairing code field, and the relay address fills in too; or type the 8-character code the event console shows. A code works once, within 15 minutes.",
  },
)

const page = staticPage(PAIR_PAGE_HTML)

/** Answers a GET or HEAD the router matched to `/pair/<well-formed code>`. */
export function servePairPage(method: string | undefined, res: ServerResponse): void {
  page(method, res)
}

/**
 * The stamp rally's passive reply (集章): progress "已集 2/5 章，还差：B 区、C 区" or the
 * completion text, from a campaign's optional stamp fields or the defaults here. WeChat shows a
 * passive reply in no particular language, so the defaults are zh-CN only (docs/DESIGN.md
 * "Stamp rally"). Runs in browsers too (the console shows the defaults): no Node imports.
 */
import type { CampaignFields } from './campaign'
import { truncateBytes } from './truncate-bytes'

export const DEFAULT_STAMP_PROGRESS = '已集 {count}/{total} 章，还差：{missing}'
export const DEFAULT_STAMP_COMPLETE = '集章完成！请到服务台领取礼品'
/** WeChat's limit for a passive reply's text, in UTF-8 bytes (docs/WECHAT.md "Passive replies"). */
export const MAX_REPLY_BYTES = 2048
/** Between booth names in `{missing}`: Chinese, or English for a progress text in English. */
const SEPARATOR = '、'
const LATIN_SEPARATOR = ', '
const CJK = /[\p{Script=Han}\u3000-\u303F\uFF00-\uFFEF]/u
const ELLIPSIS = '…'

type StampFields = Pick<CampaignFields, 'stamps' | 'stampNames' | 'stampProgress' | 'stampComplete'>

export interface StampProgress {
  /** Kiosk ids of the rally the visitor has stamped (any order; others are ignored). */
  stamped: readonly string[]
  /**
   * A completion is recorded for the visitor: the completion text even when `stamps` gained a
   * booth since (they stay complete in stats and the export too).
   */
  completed?: boolean
}

const bytes = (s: string): number => new TextEncoder().encode(s).length

/** A booth's label: its name in the campaign, else its kiosk id. */
export function stampName(c: Pick<CampaignFields, 'stampNames'>, kioskId: string): string {
  // Own names only: "constructor" is a valid kiosk id, and Object.prototype has one.
  const names = c.stampNames
  return (names !== undefined && Object.hasOwn(names, kioskId) ? names[kioskId] : null) ?? kioskId
}

/** Whether `stamped` covers every booth of the rally (an empty rally is never complete). */
export function rallyComplete(
  c: Pick<CampaignFields, 'stamps'>,
  stamped: readonly string[],
): boolean {
  const have = new Set(stamped)
  return c.stamps.length > 0 && c.stamps.every((k) => have.has(k))
}

/**
 * The `{missing}` separator the template reads with: `、` unless the organizer wrote it in a
 * Latin script (letters outside the placeholders, no Chinese), then `, `.
 */
function separatorFor(template: string): string {
  const own = template.replace(/\{(count|total|missing)\}/g, '')
  return !CJK.test(own) && /[A-Za-z]/.test(own) ? LATIN_SEPARATOR : SEPARATOR
}

function fill(template: string, count: number, total: number, missing: string): string {
  return template.replace(/\{(count|total|missing)\}/g, (_, key: string) =>
    key === 'count' ? String(count) : key === 'total' ? String(total) : missing,
  )
}

/**
 * The rally line for a visitor with `stamped` booths. Within MAX_REPLY_BYTES: a `{missing}`
 * list that would not fit is cut short with "…" (50 long names can exceed it).
 */
export function stampLine(c: StampFields, p: StampProgress): string {
  if (p.completed === true || rallyComplete(c, p.stamped))
    return c.stampComplete ?? DEFAULT_STAMP_COMPLETE
  const have = new Set(p.stamped)
  const count = c.stamps.filter((k) => have.has(k)).length
  const missing = c.stamps.filter((k) => !have.has(k)).map((k) => stampName(c, k))
  const template = c.stampProgress ?? DEFAULT_STAMP_PROGRESS
  const separator = separatorFor(template)
  for (let n = missing.length; n >= 0; n--) {
    const list = missing.slice(0, n).join(separator) + (n < missing.length ? ELLIPSIS : '')
    const line = fill(template, count, c.stamps.length, list)
    if (bytes(line) <= MAX_REPLY_BYTES) return line
  }
  // Only a template with many `{missing}` gets here: keep the whole characters that fit.
  return truncateBytes(fill(template, count, c.stamps.length, ELLIPSIS), MAX_REPLY_BYTES)
}

/**
 * The whole passive reply of a rally scan: the campaign's reply for the event (may be empty),
 * then the rally line on its own line; only the rally line when both would not fit.
 */
export function stampReply(base: string, line: string): string {
  if (base === '') return line
  const both = `${base}\n${line}`
  return bytes(both) <= MAX_REPLY_BYTES ? both : line
}

/**
 * The campaign's part of a sheet's file name, as staff and organizers know the campaign: its
 * name (`春季展会`), not its generated id. Used by the relay's sheet and winners downloads and
 * the kiosk's own exports, so all name a campaign's file alike. Runs anywhere: no Node imports.
 */

import { formatLocalTime } from './cells'
import { truncateBytes } from '../truncate-bytes'

/* eslint-disable no-control-regex -- control characters are what a file name cannot hold */
/**
 * What Windows (and so a download folder) refuses in a file name, controls (C0, DEL, C1), and
 * the marks that change the direction text is shown in (a prize `一等奖\u202Exslx.exe` would
 * read `一等奖exe.xlsx` in a download bar and a file manager).
 */
const NOT_IN_FILE_NAME =
  /[\\/:*?"<>|\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/* eslint-enable no-control-regex */
/**
 * A UTF-16 half with no other half (`"\ud83c"` from an API client that cut an emoji in two):
 * no file system or UTF-8 header can hold it, and `encodeURIComponent` throws on it.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** Code points of the campaign's name kept in the file name. */
const MAX_NAME_CHARS = 60
/**
 * Its UTF-8 bytes kept: 60 Chinese characters, fewer emoji or 4-byte ones. Linux and macOS
 * (APFS) take 255 bytes in a name, and the kiosk's export adds 71 around this part (its id,
 * the sheet's word and time, the hidden temporary's marks).
 */
const MAX_NAME_BYTES = 180

/**
 * A name an organizer gave (a campaign's, a prize's) with what a file name cannot hold (lone
 * surrogates included) replaced by `_`, at most 60 code points and 180 bytes of UTF-8 cut
 * between whole characters as people see them (not inside an emoji or a flag), no leading or
 * trailing dots or spaces; `fallback` when nothing is left.
 */
export function filePart(name: string, fallback: string): string {
  const safe = name.trim().replace(NOT_IN_FILE_NAME, '_').replace(LONE_SURROGATE, '_')
  const kept = truncateBytes(safe, MAX_NAME_BYTES, MAX_NAME_CHARS)
    // Windows drops a trailing dot or space, and a leading dot hides the file elsewhere.
    .replace(/^[.\s]+|[.\s]+$/g, '')
  return kept === '' ? fallback : kept
}

/** The campaign's name as a file name's part (`filePart`); its id when nothing is left. */
export function campaignFilePart(campaign: { id: string; name: string }): string {
  return filePart(campaign.name, campaign.id)
}

const SHEET_WORDS = {
  attendance: { 'zh-CN': '签到记录', en: 'attendance' },
  winners: { 'zh-CN': '中奖名单', en: 'winners' },
} as const

/** The word after the campaign's part: what the file holds, in the UI's language. */
export const sheetWord = (
  locale: 'zh-CN' | 'en',
  sheet: keyof typeof SHEET_WORDS = 'attendance',
): string => SHEET_WORDS[sheet][locale]

/** A time in a file name, to the minute, local (as the sheet's times): `20260501-1430`. */
export function fileStamp(ms: number): string {
  return formatLocalTime(ms).replace(/[-:]/g, '').replace(' ', '-').slice(0, 13)
}

/**
 * RFC 8187's (5987's) `value-chars` for a `filename*`: percent-encoded UTF-8 but for
 * attr-char. encodeURIComponent keeps `'()*!`, which the value may not hold: a strict reader
 * (Firefox) then ignores the `filename*` and saves the ASCII fallback.
 */
export function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

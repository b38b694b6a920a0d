/**
 * The campaign's part of an attendance sheet's file name, as staff and organizers know the
 * campaign: its name (`春季展会`), not its generated id. Used by the relay's sheet downloads and
 * the kiosk's own exports, so both name a campaign's file alike. Runs anywhere: no Node imports.
 */

/* eslint-disable no-control-regex -- control characters are what a file name cannot hold */
/** What Windows (and so a download folder) refuses in a file name, and controls. */
const NOT_IN_FILE_NAME = /[\\/:*?"<>|\u0000-\u001f\u007f]/g
/* eslint-enable no-control-regex */
/**
 * A UTF-16 half with no other half (`"\ud83c"` from an API client that cut an emoji in two):
 * no file system or UTF-8 header can hold it, and `encodeURIComponent` throws on it.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** Code points of the campaign's name kept in the file name. */
const MAX_NAME_CHARS = 60

/**
 * The campaign's name with what a file name cannot hold (lone surrogates included) replaced by
 * `_`, at most 60 code points, no leading or trailing dots or spaces; the id when nothing is left.
 */
export function campaignFilePart(campaign: { id: string; name: string }): string {
  const kept = [...campaign.name.trim().replace(NOT_IN_FILE_NAME, '_').replace(LONE_SURROGATE, '_')]
    .slice(0, MAX_NAME_CHARS)
    .join('')
    // Windows drops a trailing dot or space, and a leading dot hides the file elsewhere.
    .replace(/^[.\s]+|[.\s]+$/g, '')
  return kept === '' ? campaign.id : kept
}

/** The word after the campaign's part: what the file holds, in the UI's language. */
export const sheetWord = (locale: 'zh-CN' | 'en'): string =>
  locale === 'zh-CN' ? '签到记录' : 'attendance'

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

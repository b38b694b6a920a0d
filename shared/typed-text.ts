/**
 * What a text an organizer types may hold, checked where it is typed (the relay console's
 * campaign and draw bodies, the kiosk admin area's campaign editor), never where it is read: a
 * campaign or draw stored before still loads and still reaches its kiosks and screens.
 *
 * A name (a campaign's name, a prize, a tag, a booth's label) is one line: no control character
 * at all (C0 U+0000–U+001F, DEL and C1 U+007F–U+009F: a NUL or a line break in a name breaks
 * file names, log lines and spreadsheet cells). A longer text (greetings, replies, follow-up,
 * the rally's texts) may break lines, LF or CR LF as a form or an API client sends them (WeChat
 * shows both as a line break), and holds no other control character (tab included). Neither
 * holds a bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which can make a
 * prize read backwards on the big screen, nor Unicode's line or paragraph separator (U+2028,
 * U+2029: a browser breaks the line, a sheet or WeChat may not), nor half of a UTF-16 surrogate
 * pair alone (an emoji an API client cut in two: JSON carries it, but no UTF-8 file name, header
 * or sheet can). Plain TS: browsers run it too.
 */
import type { z } from 'zod'

/** Bidi embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
const BIDI = '\\u202a-\\u202e\\u2066-\\u2069'
/** Unicode's line and paragraph separators: line breaks no sheet, log or WeChat treats as such. */
const SEPARATORS = '\\u2028\\u2029'
/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE =
  '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]'
const NOT_IN_LINE = new RegExp(
  `[\\u0000-\\u001f\\u007f-\\u009f${BIDI}${SEPARATORS}]|${LONE_SURROGATE}`,
)
const NOT_IN_LINES = new RegExp(
  `\\r(?!\\n)|[\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${BIDI}${SEPARATORS}]|${LONE_SURROGATE}`,
)

export const LINE_TEXT_MESSAGE =
  'must be one line without control characters or text-direction controls (U+202A–U+202E, U+2066–U+2069)'
export const LINES_TEXT_MESSAGE =
  'must not hold control characters but line breaks, nor text-direction controls (U+202A–U+202E, U+2066–U+2069)'
/** The issue's `params.code`, for a UI that words issues by code (the kiosk's admin area). */
export const TYPED_TEXT_CODE = 'control_chars'

/** Whether `text` is one line holding no control or bidi control character. */
export const isLineText = (text: string): boolean => !NOT_IN_LINE.test(text)
/** Whether `text` holds no control character but LF and CR LF, and no bidi control. */
export const isLinesText = (text: string): boolean => !NOT_IN_LINES.test(text)

export type TypedTextKind = 'line' | 'lines'

/**
 * In a `superRefine` of an input schema: one issue at `path` when `text` holds what a `kind`
 * text may not (nothing for an absent text).
 */
export function checkTypedText(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  text: string | null | undefined,
  kind: TypedTextKind,
): void {
  if (text === null || text === undefined) return
  const ok = kind === 'line' ? isLineText(text) : isLinesText(text)
  if (ok) return
  ctx.addIssue({
    code: 'custom',
    path,
    message: kind === 'line' ? LINE_TEXT_MESSAGE : LINES_TEXT_MESSAGE,
    params: { code: TYPED_TEXT_CODE },
  })
}

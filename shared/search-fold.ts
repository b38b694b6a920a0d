/**
 * Text folded for a search: what a roster search (shared/roster/search-key.ts) and the
 * console's campaign search compare. Both sides are folded the same way, so a fold only ever
 * makes more text equal:
 * - full-width letters and digits (a Chinese input method's `ＡＢＣ`, `１３８`) as ASCII,
 *   compatibility forms as their plain letters (NFKD);
 * - accents dropped (`José` → `jose`, `ÉLODIE` → `elodie`) and case folded beyond ASCII, with
 *   the letters that have no decomposition written out (`ß` → `ss`, `ø` → `o`, `æ` → `ae`);
 * - everything that is not a letter or a digit dropped: spaces (`王 小明` and `王小明`, `Mary Ann`
 *   and `maryann`), punctuation (`O'Brien`, `SD-001`), a phone's dashes, brackets and `+`.
 * Top level in shared/ so the console (a browser page, which reaches only top-level shared
 * files) folds as the relay and the kiosk do.
 */

/** Letters lower case keeps as they are and NFKD does not take apart. */
const SPELLED_OUT: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
}
const SPELLED_OUT_RE = new RegExp(`[${Object.keys(SPELLED_OUT).join('')}]`, 'g')

/**
 * Invisible format characters (Unicode Cf), anywhere: ZERO WIDTH SPACE and the direction marks,
 * embeddings and isolates an iPhone (U+202A…U+202C around a contact's number) or a right-to-left
 * web page (U+200E) copies with a number, a BOM, a soft hyphen. No phone holds one.
 */
const INVISIBLE = /\p{Cf}/gu

/** `text` without its invisible format characters (the roster's phones, a typed search). */
export const withoutInvisible = (text: string): string => text.replace(INVISIBLE, '')

/** `text` as a search compares it (see above); '' when it has no letter or digit. */
export function searchFold(text: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(SPELLED_OUT_RE, (c) => SPELLED_OUT[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, '')
  // Hangul syllables, taken apart by NFKD, put back together (as the query's are).
  return /[\u1100-\u11ff]/.test(folded) ? folded.normalize('NFC') : folded
}

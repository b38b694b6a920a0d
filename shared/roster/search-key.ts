/**
 * What a roster search compares: text folded so that what staff type at a desk finds the guest
 * as the roster wrote them. Both sides are folded the same way, so a fold only ever makes more
 * text equal:
 * - full-width letters and digits (a Chinese input method's `ＡＢＣ`, `１３８`) as ASCII,
 *   compatibility forms as their plain letters (NFKD);
 * - accents dropped (`José` → `jose`, `ÉLODIE` → `elodie`) and case folded beyond ASCII, with
 *   the letters that have no decomposition written out (`ß` → `ss`, `ø` → `o`, `æ` → `ae`);
 * - everything that is not a letter or a digit dropped: spaces (`王 小明` and `王小明`, `Mary Ann`
 *   and `maryann`), punctuation (`O'Brien`, `SD-001`), a phone's dashes, brackets and `+`.
 * The fold itself lives in shared/search-fold.ts (the console folds campaign names with it too).
 * Traditional and simplified Chinese are not folded into each other (張偉 does not find 张伟): that
 * needs a character table this project does not carry.
 */

import { searchFold, withoutInvisible } from '../search-fold'

export { searchFold }

/** Between a key's fields: never in a folded query, so no match spans two fields. */
export const SEARCH_KEY_SEPARATOR = '|'

/** An entry's key: its name, company, phone and code, each folded. */
export function searchKey(entry: {
  name: string
  company: string
  phone: string
  code: string
}): string {
  return [entry.name, entry.company, entry.phone, entry.code]
    .map(searchFold)
    .join(SEARCH_KEY_SEPARATOR)
}

/** China's country code as people type it before a number: `+86`, `0086`, `(0086)`, `(+86)`. */
const COUNTRY_PREFIX = /^\s*\(?\s*(?:\+|00)\s*86\s*\)?/
/** A mobile number with the country code in front and no `+`: `86 138 0013 8000`. */
const BARE_COUNTRY_MOBILE = /^861\d{10}$/

/**
 * A query as a search compares it: folded, and a phone typed with China's country code in front
 * (`+86 138…`, `0086 138…`, `(0086)138…`, `8613800138000`) without it. The rest is a part of the number as
 * typed, so whatever the whole query would find it finds too, and a roster that wrote its phones
 * without the code (most do) finds the guest.
 */
export function searchQueryKey(query: string): string {
  // Invisible format characters (a direction mark pasted with the number) before the code too.
  const nfkc = withoutInvisible(query.normalize('NFKC'))
  const folded = searchFold(nfkc.replace(COUNTRY_PREFIX, ''))
  return BARE_COUNTRY_MOBILE.test(folded) ? folded.slice(2) : folded
}

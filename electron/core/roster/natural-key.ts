/**
 * A sort key that orders names as people read them: "Guest 2" before "Guest 10". Compared as
 * plain strings (SQLite's BINARY collation, or `<` in JS), keys put
 * - digit runs in order of value: leading zeros dropped, each run prefixed with its length
 *   (three digits, runs are never longer than a name's 100 characters), so a shorter number
 *   sorts first;
 * - letters without regard to case, and full-width forms (`１０`, `Ａ`) as their ASCII selves
 *   (NFKC), since rosters typed on Chinese keyboards mix both.
 * Everything else keeps code-point order (Chinese names are not ordered by pinyin).
 */
export function naturalKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\d+/g, (run) => {
      const digits = run.replace(/^0+(?=\d)/, '')
      return String(digits.length).padStart(3, '0') + digits
    })
}

/**
 * Text cut to a number of UTF-8 bytes (WeChat's texts, file names). Top level in shared/ and
 * without imports, so the relay, the kiosk and browsers reach it alike.
 */

/**
 * The longest start of `s` within `max` bytes of UTF-8 (and `maxCodePoints` code points), cut
 * between characters as people see them (grapheme clusters): cut between code points, an emoji
 * family (👨‍👩‍👧) kept its first people and a joiner, a flag (🇨🇳) its first letter, drawn boxed, a
 * thumb (👍🏽) lost its skin tone, a decomposed Vietnamese ệ its marks.
 */
export function truncateBytes(s: string, max: number, maxCodePoints = Infinity): string {
  const encoder = new TextEncoder()
  let used = 0
  let points = 0
  let out = ''
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)) {
    used += encoder.encode(segment).length
    points += Array.from(segment).length
    if (used > max || points > maxCodePoints) break
    out += segment
  }
  return out
}

/**
 * Text cut to a number of UTF-8 bytes (WeChat's texts, file names). Top level in shared/ and
 * without imports, so the relay, the kiosk and browsers reach it alike.
 */

/**
 * The longest start of `s` within `max` bytes of UTF-8 (and `maxCodePoints` code points), cut
 * between characters as people see them (grapheme clusters): cut between code points, an emoji
 * family (👨‍👩‍👧) kept its first people and a joiner, a flag (🇨🇳) its first letter, drawn boxed, a
 * thumb (👍🏽) lost its skin tone, a decomposed Vietnamese ệ its marks. Only a first cluster
 * longer than the limit on its own is cut, between code points.
 */
export function truncateBytes(s: string, max: number, maxCodePoints = Infinity): string {
  const encoder = new TextEncoder()
  let used = 0
  let points = 0
  let out = ''
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)) {
    used += encoder.encode(segment).length
    points += Array.from(segment).length
    if (used > max || points > maxCodePoints) {
      // The first one alone is too long ("Zalgo" text: a letter under hundreds of marks): its
      // whole code points that fit, rather than nothing (a file name, a reply to WeChat).
      if (out === '') return firstCodePoints(segment, max, maxCodePoints)
      break
    }
    out += segment
  }
  return out
}

/** The longest start of `s` in whole code points within `max` bytes and `maxCodePoints`. */
function firstCodePoints(s: string, max: number, maxCodePoints: number): string {
  const encoder = new TextEncoder()
  let used = 0
  let out = ''
  let points = 0
  for (const point of s) {
    used += encoder.encode(point).length
    if (used > max || ++points > maxCodePoints) break
    out += point
  }
  return out
}

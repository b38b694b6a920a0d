// Which content coding to answer in, from a request's Accept-Encoding (RFC 9110 §12.5.3): the
// relay's console assets (brotli and gzip files written beside them at build time) and its CSV
// attendance export (gzip on the fly). Anything unexpected (no header, a header too long, junk
// elements, a q-value that is not one) counts as "not asked for": the answer is then the plain
// bytes, exactly as to a client that sends no header, never an error.

/** A coding the relay can send besides the plain bytes. */
export type ContentCoding = 'br' | 'gzip'

/** Longer than any browser's (Chrome's is 23 characters): treated as absent, not parsed. */
export const MAX_ACCEPT_ENCODING_CHARS = 1024

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

/** Each coding the header names, its weight (0: refused); the first mention of a coding wins. */
function weights(header: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const element of header.split(',')) {
    const [name = '', ...params] = element.split(';')
    const coding = name.trim().toLowerCase()
    if (!TOKEN.test(coding)) continue
    let q = 1
    let valid = true
    for (const param of params) {
      const eq = param.indexOf('=')
      if (eq < 0) continue
      if (param.slice(0, eq).trim().toLowerCase() !== 'q') continue
      const value = param.slice(eq + 1).trim()
      if (!QVALUE.test(value)) {
        valid = false
        break
      }
      q = Number(value)
    }
    // x-gzip is gzip's old name (RFC 9110 §8.4.1.3).
    const key = coding === 'x-gzip' ? 'gzip' : coding
    // A q-value outside RFC 9110 §12.4.2's grammar (`gzip;q=0.0001`: more than 3 decimals,
    // `q=2`, `q=abc`) makes the member invalid. Its coding is then refused (weight 0), not
    // dropped: dropped, it would take the weight of a `*` in the same header, so a client that
    // meant "gzip barely, if at all" would get gzip first. The rest of the header still counts.
    if (!out.has(key)) out.set(key, valid ? q : 0)
  }
  return out
}

/**
 * The codings of `offered` the client accepts, best first: by its weight, a tie to the order of
 * `offered` (the server's preference, smaller first). A coding it does not name takes `*`'s
 * weight, or 0. Empty: send the plain bytes (whatever it says of `identity`; a 406 would help
 * nobody).
 */
export function acceptedCodings(
  header: string | readonly string[] | undefined,
  offered: readonly ContentCoding[],
): ContentCoding[] {
  const text = Array.isArray(header) ? header.join(',') : header
  if (typeof text !== 'string' || text.length > MAX_ACCEPT_ENCODING_CHARS) return []
  const w = weights(text)
  const star = w.get('*') ?? 0
  return offered
    .map((coding, order) => ({ coding, order, q: w.get(coding) ?? star }))
    .filter((c) => c.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
    .map((c) => c.coding)
}

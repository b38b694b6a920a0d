/**
 * The text encoding of a CSV roster: UTF-8 (with or without BOM), UTF-16 LE/BE with a BOM, or
 * GB18030/GBK (what Excel in mainland China saves as "CSV"). Anything else is refused with a
 * reason instead of being imported as garbage.
 *
 * GBK without a BOM is recognised by a heuristic, with limits: almost every byte pair of Big5
 * (traditional Chinese, Taiwan/Hong Kong Excel) is also a valid GBK pair, so decoding alone
 * cannot tell them apart. Simplified Chinese text is nearly all GB2312 characters (the 6,763
 * common hanzi plus full-width punctuation); Big5 text read as GBK lands mostly outside that
 * set (rare extension hanzi, kana, Cyrillic, private-use). A GBK file is accepted when at
 * least 60% of its double-byte characters are GB2312. Measured: simplified rosters score
 * ~100%; Big5 rosters 17–25%. It can be wrong on very short files (a file holding a single
 * name in rare characters is refused) and cannot tell GBK from EUC-KR (Hangul falls inside
 * GB2312's hanzi rows).
 */

export type RosterEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030'
export type EncodingProblem =
  'encoding_big5' | 'encoding_utf16_no_bom' | 'encoding_invalid' | 'encoding_unsupported'

export class EncodingError extends Error {
  override name = 'EncodingError'
  constructor(
    readonly code: EncodingProblem,
    readonly params: Record<string, string>,
    message: string,
  ) {
    super(message)
  }
}

/** Share of GB2312 characters among double-byte ones for text to count as GBK. */
export const MIN_GB2312_SHARE = 0.6

const RESAVE = 'save it as "CSV UTF-8" and import again'

export interface DecodedRoster {
  encoding: RosterEncoding
  text: string
}

/**
 * Bytes decoded between two turns of the event loop in `decodeRosterInTurns`: a 7 MB roster
 * decoded in one call held the loop ~28 ms; a piece this size takes ~4 ms.
 */
export const DECODE_PIECE_BYTES = 1024 * 1024

/** The file's text, in one synchronous call. */
export function decodeRoster(data: Buffer): DecodedRoster {
  const steps = decodeSteps(data, Infinity)
  for (let step = steps.next(); ; step = steps.next()) if (step.done === true) return step.value
}

/** The file's text, the event loop turning after every `DECODE_PIECE_BYTES` decoded. */
export async function decodeRosterInTurns(data: Buffer): Promise<DecodedRoster> {
  const steps = decodeSteps(data, DECODE_PIECE_BYTES)
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return step.value
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** The decode, yielding after each piece of `pieceBytes` (the caller's turn, or none). */
function* decodeSteps(data: Buffer, pieceBytes: number): Generator<void, DecodedRoster> {
  const at = (i: number) => data[i] ?? -1
  if (
    (at(0) === 0xff && at(1) === 0xfe && at(2) === 0 && at(3) === 0) ||
    (at(0) === 0 && at(1) === 0 && at(2) === 0xfe && at(3) === 0xff)
  ) {
    throw new EncodingError(
      'encoding_unsupported',
      { encoding: 'UTF-32' },
      `the file is UTF-32, which is not supported; ${RESAVE}`,
    )
  }
  // TextDecoder drops the BOM it recognises.
  if (at(0) === 0xef && at(1) === 0xbb && at(2) === 0xbf)
    return yield* strict('utf-8', data, pieceBytes)
  if (at(0) === 0xff && at(1) === 0xfe) return yield* strict('utf-16le', data, pieceBytes)
  if (at(0) === 0xfe && at(1) === 0xff) return yield* strict('utf-16be', data, pieceBytes)
  if (data.includes(0)) {
    if (looksUtf16(data)) {
      throw new EncodingError(
        'encoding_utf16_no_bom',
        {},
        `the file looks like UTF-16 without a byte-order mark, which cannot be read reliably; ${RESAVE}`,
      )
    }
    throw new EncodingError(
      'encoding_unsupported',
      { encoding: 'binary' },
      `the file has NUL bytes: it is not a text file; ${RESAVE}`,
    )
  }
  const utf8 = yield* tryDecode('utf-8', data, pieceBytes)
  if (utf8 !== null) return { encoding: 'utf-8', text: utf8 }
  const gb = yield* tryDecode('gb18030', data, pieceBytes)
  if (gb !== null && gb2312Share(data) >= MIN_GB2312_SHARE) return { encoding: 'gb18030', text: gb }
  if (looksBig5(data)) {
    throw new EncodingError(
      'encoding_big5',
      { encoding: 'Big5' },
      `the file looks like Big5 (traditional Chinese), which is not supported; ${RESAVE}`,
    )
  }
  throw new EncodingError(
    'encoding_unsupported',
    { encoding: 'unknown' },
    `the file is neither UTF-8, UTF-16 nor GBK/GB18030; ${RESAVE}`,
  )
}

/** The text, decoded `pieceBytes` at a time (a character cut between two pieces kept whole). */
function* tryDecode(
  encoding: RosterEncoding,
  data: Buffer,
  pieceBytes: number,
): Generator<void, string | null> {
  const decoder = new TextDecoder(encoding, { fatal: true })
  const pieces: string[] = []
  for (let at = 0; ; at += pieceBytes) {
    const last = at + pieceBytes >= data.length
    try {
      pieces.push(decoder.decode(data.subarray(at, at + pieceBytes), { stream: !last }))
    } catch {
      return null
    }
    if (last) return pieces.length === 1 ? (pieces[0] as string) : pieces.join('')
    yield
  }
}

function* strict(
  encoding: RosterEncoding,
  data: Buffer,
  pieceBytes: number,
): Generator<void, DecodedRoster> {
  const text = yield* tryDecode(encoding, data, pieceBytes)
  if (text !== null) return { encoding, text }
  const name = encoding.toUpperCase()
  throw new EncodingError(
    'encoding_invalid',
    { encoding: name },
    `the file starts with a ${name} byte-order mark but is not valid ${name}; ${RESAVE}`,
  )
}

/** BOM-less UTF-16: text that is mostly ASCII has a zero in every other byte. */
function looksUtf16(data: Buffer): boolean {
  let even = 0
  let odd = 0
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      if (i % 2 === 0) even++
      else odd++
    }
  }
  const pairs = data.length / 2
  return Math.max(even, odd) >= pairs * 0.3 && Math.min(even, odd) <= pairs * 0.05
}

/**
 * Of the double-byte GB18030 characters, the share in GB2312: hanzi rows 0xB0–0xF7 and the
 * punctuation, number and full-width rows 0xA1–0xA3 (trail 0xA1–0xFE). Four-byte sequences and
 * everything else count against. Only called on data that decodes as GB18030.
 */
function gb2312Share(data: Buffer): number {
  let common = 0
  let other = 0
  for (let i = 0; i < data.length;) {
    const lead = data[i] ?? 0
    if (lead < 0x80) {
      i++
      continue
    }
    const trail = data[i + 1] ?? 0
    if (trail >= 0x30 && trail <= 0x39) {
      other++
      i += 4
      continue
    }
    if (((lead >= 0xb0 && lead <= 0xf7) || (lead >= 0xa1 && lead <= 0xa3)) && trail >= 0xa1)
      common++
    else other++
    i += 2
  }
  return common + other === 0 ? 1 : common / (common + other)
}

/**
 * Every non-ASCII byte starts a well-formed Big5 pair, and most pairs are in Big5's frequent
 * hanzi (0xA440–0xC67E) or punctuation (0xA140–0xA3BF): only to name the problem.
 */
function looksBig5(data: Buffer): boolean {
  let common = 0
  let pairs = 0
  for (let i = 0; i < data.length;) {
    const lead = data[i] ?? 0
    if (lead < 0x80) {
      i++
      continue
    }
    const trail = data[i + 1] ?? -1
    const wellFormed =
      lead >= 0x81 &&
      lead <= 0xfe &&
      ((trail >= 0x40 && trail <= 0x7e) || (trail >= 0xa1 && trail <= 0xfe))
    if (!wellFormed) return false
    pairs++
    if (lead >= 0xa1 && lead <= 0xc6) common++
    i += 2
  }
  return pairs > 0 && common / pairs >= MIN_GB2312_SHARE
}

/**
 * Seeded generator of requests to the relay's push endpoint, shared by the bounded fuzz test
 * and `npm run fuzz`. Each case says whether it may legitimately be stored (a mutation can
 * land on a harmless byte), so the oracle can demand 4xx for the rest. Signatures are built
 * from docs/WECHAT.md "Signatures" (sha1 over the sorted parts), not with the relay's code.
 */
import { createHash } from 'node:crypto'
import { WechatCipher } from '../../shared/wechat'

export const FUZZ_TOKEN = 'fuzzPushToken42'
export const FUZZ_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C'
export const FUZZ_APP_ID = 'wx5823bf96d3bd56c7'
export const FUZZ_KIOSK = 'fz-1'

export interface FuzzCase {
  kind: string
  /** Path and query exactly as sent (bytes 0x21–0xff only, as node:http allows). */
  path: string
  method: 'POST' | 'GET' | 'PUT'
  body: Buffer
  contentType: string
  /** False when no correct relay may answer 200 (bad signature, stale, oversize...). */
  mayStore: boolean
}

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sha1Sorted = (parts: string[]) =>
  createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')

const NASTY = [
  '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
  '<!ENTITY a "aaaaaaaaaa">',
  '&x;',
  ']]>',
  '<![CDATA[',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '%00',
  '%ZZ',
  'qrscene_',
  '<xml>',
  '</xml>',
  '<EventKey>',
  '<Encrypt>',
  '"\'<>&',
  '中文',
  '\r\n',
]

export class PushFuzzer {
  private readonly rnd: () => number
  private readonly cipher = new WechatCipher({ encodingAESKey: FUZZ_AES_KEY, appId: FUZZ_APP_ID })
  private nonce = 0

  constructor(
    seed: number,
    private readonly now: () => number = Date.now,
  ) {
    this.rnd = prng(seed)
  }

  private int(n: number): number {
    return Math.floor(this.rnd() * n)
  }

  private pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)]
    if (x === undefined) throw new Error('empty choice')
    return x
  }

  private validXml(): string {
    const openid = `o_${this.int(1e9).toString(36)}`
    const sub = this.rnd() < 0.5
    const scene = `${FUZZ_KIOSK}:${this.int(1e6)}`
    return (
      `<xml><ToUserName><![CDATA[gh_fuzz]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
      `<CreateTime>${Math.floor(this.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[${sub ? 'subscribe' : 'SCAN'}]]></Event>` +
      `<EventKey><![CDATA[${sub ? 'qrscene_' : ''}${scene}]]></EventKey>` +
      `<Ticket><![CDATA[tk${this.int(1e6)}]]></Ticket></xml>`
    )
  }

  /** Byte-level damage: flips, truncation, insertion of nasty fragments, duplication. */
  private mutate(input: Buffer): Buffer {
    let b = Buffer.from(input)
    const rounds = 1 + this.int(4)
    for (let i = 0; i < rounds; i++) {
      const at = this.int(b.length + 1)
      switch (this.int(6)) {
        case 0:
          if (b.length > 0) b[at % b.length] = (b[at % b.length] ?? 0) ^ (1 << this.int(8))
          break
        case 1:
          b = b.subarray(0, at)
          break
        case 2:
          b = Buffer.concat([b.subarray(0, at), Buffer.from(this.pick(NASTY)), b.subarray(at)])
          break
        case 3:
          b = Buffer.concat([b.subarray(0, at), b.subarray(this.int(b.length + 1))])
          break
        case 4:
          b = Buffer.concat([b, b.subarray(0, this.int(b.length + 1))])
          break
        default:
          b = Buffer.from(b.toString('latin1'), 'utf16le')
      }
    }
    return b
  }

  private query(extra: Record<string, string> = {}, skewSeconds = 0): Record<string, string> {
    const timestamp = String(Math.floor(this.now() / 1000) + skewSeconds)
    const nonce = String(1_000_000 + ++this.nonce)
    return {
      signature: sha1Sorted([FUZZ_TOKEN, timestamp, nonce]),
      timestamp,
      nonce,
      ...extra,
    }
  }

  private encode(q: Record<string, string>): string {
    return (
      '/wechat?' +
      Object.entries(q)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&')
    )
  }

  private safe(encrypt: string): Record<string, string> {
    const q = this.query({ encrypt_type: 'aes' })
    q.msg_signature = sha1Sorted([FUZZ_TOKEN, q.timestamp ?? '', q.nonce ?? '', encrypt])
    return q
  }

  private envelope(encrypt: string): Buffer {
    return Buffer.from(
      `<xml><ToUserName><![CDATA[gh_fuzz]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    )
  }

  /** Compat mode, as WeChat sends it: the plaintext fields, their encrypted copy beside. */
  private compat(plain: Buffer): [path: string, body: Buffer] {
    const enc = this.cipher.encrypt(plain.toString('utf8'))
    const tag = Buffer.from(`<Encrypt><![CDATA[${enc}]]></Encrypt>`)
    const at = plain.toString('latin1').lastIndexOf('</xml>')
    const body =
      at < 0
        ? Buffer.concat([plain, tag])
        : Buffer.concat([plain.subarray(0, at), tag, plain.subarray(at)])
    return [this.encode(this.safe(enc)), body]
  }

  private flipBase64(encrypt: string): string {
    const raw = Buffer.from(encrypt, 'base64')
    const flips = 1 + this.int(3)
    for (let i = 0; i < flips; i++) {
      const at = this.int(raw.length)
      raw[at] = (raw[at] ?? 0) ^ (1 << this.int(8))
    }
    return raw.toString('base64')
  }

  private rawQuery(): string {
    const chars = '!$&\'()*+,-./:;=?@_~%0123456789abcdefXYZ[]{}|^`"<>\\\u00e9\u00ff'
    const len = this.int(300)
    let s = ''
    for (let i = 0; i < len; i++) s += chars[this.int(chars.length)] ?? ''
    return `/wechat?${s}`
  }

  next(): FuzzCase {
    const post = (kind: string, path: string, body: Buffer, mayStore: boolean): FuzzCase => ({
      kind,
      path,
      method: 'POST',
      body,
      contentType: this.pick(['text/xml', 'application/xml; charset=gbk', 'text/plain', '']),
      mayStore,
    })
    const xml = Buffer.from(this.validXml())
    switch (this.int(13)) {
      case 0:
        return post('valid', ...this.compat(xml), true)
      case 1:
      case 2:
      case 3:
        return post('mutated-xml', ...this.compat(this.mutate(xml)), true)
      case 4: {
        const q = this.query()
        const good = q.signature ?? ''
        q.signature = this.mutate(Buffer.from(good)).toString('latin1')
        // Upper-case hex is the same digest, and the relay accepts it (signature.ts).
        return post('bad-signature', this.encode(q), xml, q.signature.toLowerCase() === good)
      }
      case 5: {
        const skew = this.pick([-1, 1]) * (301 + this.int(1e6))
        return post('stale', this.encode(this.query({}, skew)), xml, false)
      }
      case 6:
        return post('raw-query', this.rawQuery(), xml, false)
      case 7: {
        const size = 65_537 + this.int(200_000)
        const body = Buffer.alloc(size, this.pick(['a', '<', ' ', '\u00e4']))
        return post('oversize', this.encode(this.query()), body, false)
      }
      case 8:
      case 9: {
        const enc = this.flipBase64(this.cipher.encrypt(this.validXml()))
        // Re-signed after the flip so the decryption and padding code is what gets hit.
        return post('flipped-encrypt', this.encode(this.safe(enc)), this.envelope(enc), true)
      }
      case 10: {
        const enc = this.cipher.encrypt(this.mutate(xml).toString('utf8'))
        return post('encrypted-garbage', this.encode(this.safe(enc)), this.envelope(enc), true)
      }
      case 11:
        // The relay runs in compat mode, where WeChat never sends a plaintext-only push.
        return post('plain-in-compat', this.encode(this.query()), xml, false)
      default: {
        const q = this.query()
        delete q[this.pick(['signature', 'timestamp', 'nonce'])]
        const method = this.pick(['POST', 'PUT', 'GET'] as const)
        return { ...post('missing-param', this.encode(q), xml, false), method }
      }
    }
  }
}

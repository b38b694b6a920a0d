// Safe-mode message encryption (WXBizMsgCrypt, docs/WECHAT.md "Safe mode"):
// AES-256-CBC, key = base64(EncodingAESKey + '='), IV = key[0..16), PKCS#7 padded to 32 bytes,
// plaintext = 16 random bytes | message length (big-endian u32) | message | appid.
import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  type Cipher,
  type Decipher,
} from 'node:crypto'
import { WechatCryptoError } from './errors'

/** WeChat pads to a 32-byte block, not AES's 16. */
const BLOCK = 32
const RANDOM_BYTES = 16
const HEADER_BYTES = RANDOM_BYTES + 4
const BASE64_KEY = /^[A-Za-z0-9+/]{43}$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Whether `key` has an EncodingAESKey's form, 43 base64 characters, as parseEncodingAESKey takes it. */
export function isEncodingAESKey(key: string): boolean {
  return BASE64_KEY.test(key)
}

/** Decodes the 43-character EncodingAESKey into the 32-byte AES key. */
export function parseEncodingAESKey(key: string): Buffer {
  // Buffer.from(base64) silently skips bad characters, so check the alphabet first.
  // The last character carries 2 unused bits which WeChat's keys do not zero: don't require it.
  if (typeof key !== 'string' || !BASE64_KEY.test(key)) {
    throw new WechatCryptoError('bad_key', 'EncodingAESKey must be 43 base64 characters')
  }
  const bytes = Buffer.from(`${key}=`, 'base64')
  if (bytes.length !== 32) {
    throw new WechatCryptoError('bad_key', 'EncodingAESKey must decode to 32 bytes')
  }
  return bytes
}

export interface WechatCipherOptions {
  encodingAESKey: string
  appId: string
}

/**
 * Random prefixes come from a pooled CSPRNG buffer: one randomBytes() call per 256 messages
 * instead of one per message, whose fixed cost is larger than 16 bytes' worth of randomness.
 */
const RANDOM_POOL_BYTES = RANDOM_BYTES * 256
let randomPool = Buffer.alloc(0)
let randomPoolAt = 0

function randomPrefix(): Buffer {
  if (randomPoolAt + RANDOM_BYTES > randomPool.length) {
    // A new buffer each time: prefixes already handed out are never overwritten.
    randomPool = randomBytes(RANDOM_POOL_BYTES)
    randomPoolAt = 0
  }
  randomPoolAt += RANDOM_BYTES
  return randomPool.subarray(randomPoolAt - RANDOM_BYTES, randomPoolAt)
}

/**
 * AES-256-CBC with a fixed key and IV on one long-lived OpenSSL context per direction, because
 * setting up a context costs more than the AES work of a whole push. A context that has run
 * one message continues the CBC chain from that message's last ciphertext block rather than
 * from the IV; XOR-ing the first block with (that block XOR IV) makes each message exactly a
 * fresh CBC run from the IV. Inputs are whole blocks and padding is off, so update() returns
 * every block at once. Anything unexpected drops the context for a one-shot one.
 */
class CbcContext {
  #ctx: Cipher | Decipher | null = null
  /** The ciphertext block the context will chain the next message on. */
  readonly #last = Buffer.alloc(16)

  constructor(
    private readonly direction: 'encrypt' | 'decrypt',
    private readonly key: Buffer,
    private readonly iv: Buffer,
  ) {}

  #open(): Cipher | Decipher {
    const ctx =
      this.direction === 'encrypt'
        ? createCipheriv('aes-256-cbc', this.key, this.iv)
        : createDecipheriv('aes-256-cbc', this.key, this.iv)
    ctx.setAutoPadding(false)
    this.iv.copy(this.#last)
    return ctx
  }

  /** `input`: a non-empty whole number of 16-byte blocks; encrypting modifies it. */
  run(input: Buffer): Buffer {
    const ctx = (this.#ctx ??= this.#open())
    if (this.direction === 'encrypt') this.#rechain(input)
    let out: Buffer
    try {
      out = ctx.update(input)
    } catch (err) {
      this.#ctx = null
      throw err
    }
    if (out.length !== input.length) {
      // Never seen; if OpenSSL ever held a block back, the chain state would be unknown.
      this.#ctx = null
      if (this.direction === 'encrypt') this.#rechain(input) // undo: back to the plaintext
      return this.#oneShot(input)
    }
    if (this.direction === 'decrypt') this.#rechain(out)
    const chainedOn = this.direction === 'encrypt' ? out : input
    chainedOn.copy(this.#last, 0, chainedOn.length - 16)
    return out
  }

  /** XORs the first block with (last ⊕ IV): a self-inverse step. */
  #rechain(block: Buffer): void {
    for (let i = 0; i < 16; i++) block[i] = block[i]! ^ this.#last[i]! ^ this.iv[i]!
  }

  #oneShot(input: Buffer): Buffer {
    const ctx =
      this.direction === 'encrypt'
        ? createCipheriv('aes-256-cbc', this.key, this.iv)
        : createDecipheriv('aes-256-cbc', this.key, this.iv)
    ctx.setAutoPadding(false)
    return Buffer.concat([ctx.update(input), ctx.final()])
  }
}

export class WechatCipher {
  readonly #appId: Buffer
  readonly #encryptor: CbcContext
  readonly #decryptor: CbcContext

  constructor(opts: WechatCipherOptions) {
    const key = parseEncodingAESKey(opts.encodingAESKey)
    const iv = key.subarray(0, 16)
    if (typeof opts.appId !== 'string' || opts.appId.length === 0) {
      throw new WechatCryptoError('bad_key', 'appId must be a non-empty string')
    }
    this.#appId = Buffer.from(opts.appId, 'utf8')
    this.#encryptor = new CbcContext('encrypt', key, iv)
    this.#decryptor = new CbcContext('decrypt', key, iv)
  }

  /** Encrypts `message`; `random16` is injectable so tests can reproduce official vectors. */
  encrypt(message: string, random16: Buffer = randomPrefix()): string {
    if (random16.length !== RANDOM_BYTES) {
      throw new WechatCryptoError('bad_length', 'random prefix must be 16 bytes')
    }
    const length = Buffer.byteLength(message, 'utf8')
    const unpadded = HEADER_BYTES + length + this.#appId.length
    const pad = BLOCK - (unpadded % BLOCK)
    // Every byte is written below: random | length | message | appid | padding.
    const plain = Buffer.allocUnsafe(unpadded + pad)
    random16.copy(plain, 0)
    plain.writeUInt32BE(length, RANDOM_BYTES)
    plain.write(message, HEADER_BYTES, 'utf8')
    this.#appId.copy(plain, HEADER_BYTES + length)
    plain.fill(pad, unpadded)
    return this.#encryptor.run(plain).toString('base64')
  }

  /**
   * Decrypts an `<Encrypt>` value (or an encrypted echostr) and returns the message.
   * CBC has no integrity of its own: callers must verify msg_signature first. The checks here
   * make structural tampering fail with a typed error instead of returning garbage.
   */
  decrypt(encrypted: string): string {
    return this.decryptWithRandom(encrypted).message
  }

  /** Like `decrypt`, also returning the random prefix (tests use it to re-encrypt vectors). */
  decryptWithRandom(encrypted: string): { message: string; random16: Buffer } {
    if (typeof encrypted !== 'string' || encrypted.length === 0) {
      throw new WechatCryptoError('bad_base64', 'ciphertext is not canonical base64')
    }
    // Buffer.from skips characters that are not base64, so the text must match BASE64. Text
    // that re-encodes to itself does (WeChat's always does); checking that in native code is
    // cheaper than running the pattern over a whole push.
    const data = Buffer.from(encrypted, 'base64')
    if (data.toString('base64') !== encrypted && !BASE64.test(encrypted)) {
      throw new WechatCryptoError('bad_base64', 'ciphertext is not canonical base64')
    }
    if (data.length % 16 !== 0 || data.length < BLOCK) {
      throw new WechatCryptoError('bad_length', 'ciphertext length is not a whole number of blocks')
    }
    const plain = this.#decryptor.run(data)

    const pad = plain[plain.length - 1] ?? 0
    if (pad < 1 || pad > BLOCK) {
      throw new WechatCryptoError('bad_padding', 'padding byte out of range')
    }
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new WechatCryptoError('bad_padding', 'padding bytes differ')
    }
    const content = plain.subarray(0, plain.length - pad)
    if (content.length < HEADER_BYTES) {
      throw new WechatCryptoError('bad_length', 'plaintext shorter than its header')
    }
    const msgLength = content.readUInt32BE(RANDOM_BYTES)
    if (msgLength > content.length - HEADER_BYTES) {
      throw new WechatCryptoError('bad_length', 'message length field out of bounds')
    }
    const appId = content.subarray(HEADER_BYTES + msgLength)
    if (!appId.equals(this.#appId)) {
      throw new WechatCryptoError('appid_mismatch', 'message was encrypted for another appid')
    }
    let message: string
    try {
      message = utf8.decode(content.subarray(HEADER_BYTES, HEADER_BYTES + msgLength))
    } catch (cause) {
      throw new WechatCryptoError('bad_message', 'message is not valid UTF-8', { cause })
    }
    return { message, random16: Buffer.from(content.subarray(0, RANDOM_BYTES)) }
  }
}

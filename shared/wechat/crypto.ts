// Safe-mode message encryption (WXBizMsgCrypt, WECHAT.md "Receiving pushes"):
// AES-256-CBC, key = base64(EncodingAESKey + '='), IV = key[0..16), PKCS#7 padded to 32 bytes,
// plaintext = 16 random bytes | message length (big-endian u32) | message | appid.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { WechatCryptoError } from './errors'

/** WeChat pads to a 32-byte block, not AES's 16. */
const BLOCK = 32
const RANDOM_BYTES = 16
const HEADER_BYTES = RANDOM_BYTES + 4
const BASE64_KEY = /^[A-Za-z0-9+/]{43}$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

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

export class WechatCipher {
  readonly #key: Buffer
  readonly #iv: Buffer
  readonly #appId: Buffer

  constructor(opts: WechatCipherOptions) {
    this.#key = parseEncodingAESKey(opts.encodingAESKey)
    this.#iv = this.#key.subarray(0, 16)
    if (typeof opts.appId !== 'string' || opts.appId.length === 0) {
      throw new WechatCryptoError('bad_key', 'appId must be a non-empty string')
    }
    this.#appId = Buffer.from(opts.appId, 'utf8')
  }

  /** Encrypts `message`; `random16` is injectable so tests can reproduce official vectors. */
  encrypt(message: string, random16: Buffer = randomBytes(RANDOM_BYTES)): string {
    if (random16.length !== RANDOM_BYTES) {
      throw new WechatCryptoError('bad_length', 'random prefix must be 16 bytes')
    }
    const body = Buffer.from(message, 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(body.length, 0)
    const unpadded = Buffer.concat([random16, length, body, this.#appId])
    const pad = BLOCK - (unpadded.length % BLOCK)
    const plain = Buffer.concat([unpadded, Buffer.alloc(pad, pad)])
    const cipher = createCipheriv('aes-256-cbc', this.#key, this.#iv)
    cipher.setAutoPadding(false)
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64')
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
    if (typeof encrypted !== 'string' || encrypted.length === 0 || !BASE64.test(encrypted)) {
      throw new WechatCryptoError('bad_base64', 'ciphertext is not canonical base64')
    }
    const data = Buffer.from(encrypted, 'base64')
    if (data.length % 16 !== 0 || data.length < BLOCK) {
      throw new WechatCryptoError('bad_length', 'ciphertext length is not a whole number of blocks')
    }
    const decipher = createDecipheriv('aes-256-cbc', this.#key, this.#iv)
    decipher.setAutoPadding(false)
    const plain = Buffer.concat([decipher.update(data), decipher.final()])

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

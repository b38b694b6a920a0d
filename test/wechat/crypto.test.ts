import { createCipheriv, createDecipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { WechatCipher, parseEncodingAESKey } from '../../shared/wechat/crypto'
import { WechatCryptoError } from '../../shared/wechat/errors'
import { vectors } from './vectors'

const s = vectors.safe_mode
const cipher = new WechatCipher({ encodingAESKey: s.encodingAESKey, appId: s.appid })
// Derived here independently of the library, to build hostile ciphertexts by hand.
const rawKey = Buffer.from(`${s.encodingAESKey}=`, 'base64')

function rawEncrypt(plain: Buffer): string {
  const c = createCipheriv('aes-256-cbc', rawKey, rawKey.subarray(0, 16))
  c.setAutoPadding(false)
  return Buffer.concat([c.update(plain), c.final()]).toString('base64')
}

function rawDecrypt(b64: string): Buffer {
  const d = createDecipheriv('aes-256-cbc', rawKey, rawKey.subarray(0, 16))
  d.setAutoPadding(false)
  return Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()])
}

/** random16 | length | message | appid, padded with `pad` bytes of value `padValue`. */
function frame(message: Buffer, opts: { appId?: string; length?: number; padValue?: number } = {}) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(opts.length ?? message.length)
  const body = Buffer.concat([
    Buffer.alloc(16, 7),
    len,
    message,
    Buffer.from(opts.appId ?? s.appid),
  ])
  const pad = 32 - (body.length % 32)
  return Buffer.concat([body, Buffer.alloc(pad, opts.padValue ?? pad)])
}

function cryptoCode(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof WechatCryptoError) return err.code
    throw err
  }
  throw new Error('expected a WechatCryptoError')
}

describe('official safe-mode vectors', () => {
  it('decrypts the official message to the exact plaintext', () => {
    expect(cipher.decrypt(s.message.encrypt)).toBe(s.message.plaintext)
  })

  it('decrypts the official URL-check echostr', () => {
    expect(cipher.decrypt(s.url_check.echostr_encrypted)).toBe(s.url_check.echostr_plaintext)
  })

  it('reproduces the official ciphertext from the same random prefix', () => {
    // The random prefix is read with plain node:crypto, not with the library under test.
    const random16 = rawDecrypt(s.message.encrypt).subarray(0, 16)
    expect(cipher.encrypt(s.message.plaintext, random16)).toBe(s.message.encrypt)
    const echoRandom = rawDecrypt(s.url_check.echostr_encrypted).subarray(0, 16)
    expect(cipher.encrypt(s.url_check.echostr_plaintext, echoRandom)).toBe(
      s.url_check.echostr_encrypted,
    )
  })

  it('decryptWithRandom returns the prefix that re-encrypts to the vector', () => {
    const { message, random16 } = cipher.decryptWithRandom(s.message.encrypt)
    expect(cipher.encrypt(message, random16)).toBe(s.message.encrypt)
  })
})

describe('encrypt', () => {
  it.each(['', 'hello', '签到成功，欢迎！😀', 'x'.repeat(10_000), ']]><xml/>'])(
    'round-trips %#',
    (msg) => {
      expect(cipher.decrypt(cipher.encrypt(msg))).toBe(msg)
    },
  )

  it('pads with PKCS#7 to a 32-byte block, a full block when already aligned', () => {
    for (const size of [0, 1, 25, 26, 27, 100]) {
      const plain = rawDecrypt(cipher.encrypt('m'.repeat(size)))
      expect(plain.length % 32).toBe(0)
      const unpadded = 16 + 4 + size + s.appid.length
      const pad = plain.length - unpadded
      expect(pad).toBeGreaterThanOrEqual(1)
      expect(pad).toBeLessThanOrEqual(32)
      expect([...plain.subarray(unpadded)].every((b) => b === pad)).toBe(true)
      expect(plain.readUInt32BE(16)).toBe(size)
    }
    // 16 + 4 + 26 + 18 = 64: a whole extra block of 32s.
    const aligned = rawDecrypt(cipher.encrypt('m'.repeat(26)))
    expect(aligned.length).toBe(96)
    expect(aligned[95]).toBe(32)
  })

  it('counts the length in UTF-8 bytes', () => {
    const plain = rawDecrypt(cipher.encrypt('签到'))
    expect(plain.readUInt32BE(16)).toBe(6)
  })

  it('uses a fresh random prefix by default', () => {
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'))
  })

  it('refuses a random prefix that is not 16 bytes', () => {
    expect(cryptoCode(() => cipher.encrypt('x', Buffer.alloc(15)))).toBe('bad_length')
  })
})

describe('decrypt refuses tampered input with a typed error', () => {
  const original = Buffer.from(s.message.encrypt, 'base64')

  function flip(index: number, mask = 0x01): string {
    const copy = Buffer.from(original)
    copy[index] = (copy[index] ?? 0) ^ mask
    return copy.toString('base64')
  }

  it('a flipped bit in the padding byte', () => {
    // CBC: flipping byte i of the previous block flips byte i of the last plaintext block.
    expect(cryptoCode(() => cipher.decrypt(flip(original.length - 17)))).toBe('bad_padding')
  })

  it('a flipped bit in the length field', () => {
    expect(cryptoCode(() => cipher.decrypt(flip(0, 0x80)))).toBe('bad_length')
  })

  it('a flipped byte in any block after the first garbles it and is caught', () => {
    for (let block = 1; block < original.length / 16; block++) {
      expect(() => cipher.decrypt(flip(block * 16, 0xff))).toThrow(WechatCryptoError)
    }
  })

  it('truncated input', () => {
    const b64 = s.message.encrypt
    expect(cryptoCode(() => cipher.decrypt(b64.slice(0, -1)))).toBe('bad_base64')
    expect(cryptoCode(() => cipher.decrypt(original.subarray(0, -3).toString('base64')))).toBe(
      'bad_length',
    )
    expect(() => cipher.decrypt(original.subarray(0, -16).toString('base64'))).toThrow(
      WechatCryptoError,
    )
    expect(cryptoCode(() => cipher.decrypt(original.subarray(0, 16).toString('base64')))).toBe(
      'bad_length',
    )
  })

  it('not base64', () => {
    for (const bad of [
      '',
      '!!!!',
      `${s.message.encrypt}\n`,
      s.message.encrypt.replace(/\+/g, '-'),
    ]) {
      expect(cryptoCode(() => cipher.decrypt(bad))).toBe('bad_base64')
    }
  })

  it('another appid', () => {
    const other = new WechatCipher({
      encodingAESKey: s.encodingAESKey,
      appId: 'wx0000000000000000',
    })
    expect(cryptoCode(() => other.decrypt(s.message.encrypt))).toBe('appid_mismatch')
    expect(cryptoCode(() => cipher.decrypt(other.encrypt('hi')))).toBe('appid_mismatch')
    // A prefix of the right appid is not the appid.
    const prefix = new WechatCipher({
      encodingAESKey: s.encodingAESKey,
      appId: s.appid.slice(0, -1),
    })
    expect(cryptoCode(() => prefix.decrypt(s.message.encrypt))).toBe('appid_mismatch')
  })

  it('another key', () => {
    const key = `${s.encodingAESKey.slice(0, -1)}A`
    const other = new WechatCipher({ encodingAESKey: key.replace(/^./, 'A'), appId: s.appid })
    expect(() => other.decrypt(s.message.encrypt)).toThrow(WechatCryptoError)
  })

  it('bad padding values', () => {
    const msg = Buffer.from('hello')
    const good = frame(msg)
    const padLen = good[good.length - 1] ?? 0
    expect(cipher.decrypt(rawEncrypt(good))).toBe('hello') // the hand-built frame itself is fine
    const zero = Buffer.from(good)
    zero[zero.length - 1] = 0
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(zero)))).toBe('bad_padding')
    const big = Buffer.from(good)
    big[big.length - 1] = 33
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(big)))).toBe('bad_padding')
    const uneven = Buffer.from(good)
    uneven[uneven.length - padLen] = padLen - 1
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(uneven)))).toBe('bad_padding')
  })

  it('a length field beyond the plaintext', () => {
    const msg = Buffer.from('hello')
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(frame(msg, { length: 1000 }))))).toBe(
      'bad_length',
    )
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(frame(msg, { length: 2 ** 32 - 1 }))))).toBe(
      'bad_length',
    )
    // Shorter length: part of the message is read as the appid.
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(frame(msg, { length: 3 }))))).toBe(
      'appid_mismatch',
    )
  })

  it('a message that is not UTF-8', () => {
    expect(cryptoCode(() => cipher.decrypt(rawEncrypt(frame(Buffer.from([0xff, 0xfe])))))).toBe(
      'bad_message',
    )
  })
})

describe('parseEncodingAESKey', () => {
  it('decodes the official key to 32 bytes used as key and IV', () => {
    const key = parseEncodingAESKey(s.encodingAESKey)
    expect(key.length).toBe(32)
    expect(key.equals(rawKey)).toBe(true)
  })

  it.each([
    ['42 chars', s.encodingAESKey.slice(1)],
    ['44 chars', `${s.encodingAESKey}A`],
    ['with padding', `${s.encodingAESKey.slice(1)}=`],
    ['url-safe alphabet', `-${s.encodingAESKey.slice(1)}`],
    ['space', ` ${s.encodingAESKey.slice(1)}`],
    ['empty', ''],
  ])('refuses %s', (_name, key) => {
    let err: unknown
    try {
      parseEncodingAESKey(key)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(WechatCryptoError)
    expect((err as WechatCryptoError).code).toBe('bad_key')
    // The key is a secret: never in the message.
    if (key.length > 8) expect((err as Error).message).not.toContain(key.slice(2, 20))
  })

  it('refuses an empty appid', () => {
    expect(
      cryptoCode(() => new WechatCipher({ encodingAESKey: s.encodingAESKey, appId: '' })),
    ).toBe('bad_key')
  })
})

import { describe, expect, it } from 'vitest'
import {
  isFreshTimestamp,
  msgSignature,
  plainSignature,
  safeEqual,
  verifyMsgSignature,
  verifyPlainSignature,
} from '../../shared/wechat/signature'
import { vectors } from './vectors'

describe('plain signature', () => {
  it.each(vectors.plain_signature)('matches the official vector (nonce $nonce)', (v) => {
    expect(plainSignature(v.token, v.timestamp, v.nonce)).toBe(v.signature)
    expect(verifyPlainSignature(v.token, v)).toBe(true)
  })

  it('rejects a wrong token, a changed timestamp or a changed signature', () => {
    const v = vectors.plain_signature[0]!
    expect(verifyPlainSignature(`${v.token}x`, v)).toBe(false)
    expect(
      verifyPlainSignature(v.token, { ...v, timestamp: String(Number(v.timestamp) + 1) }),
    ).toBe(false)
    const flipped = (v.signature[0] === 'a' ? 'b' : 'a') + v.signature.slice(1)
    expect(verifyPlainSignature(v.token, { ...v, signature: flipped })).toBe(false)
  })

  it('accepts the digest in upper case but not a truncated one', () => {
    const v = vectors.plain_signature[0]!
    expect(verifyPlainSignature(v.token, { ...v, signature: v.signature.toUpperCase() })).toBe(true)
    expect(verifyPlainSignature(v.token, { ...v, signature: v.signature.slice(0, 39) })).toBe(false)
  })

  it('rejects missing parameters and an empty token', () => {
    const v = vectors.plain_signature[0]!
    expect(verifyPlainSignature(v.token, { timestamp: v.timestamp, nonce: v.nonce })).toBe(false)
    expect(verifyPlainSignature(v.token, { ...v, nonce: undefined })).toBe(false)
    // With an empty token anyone could compute the signature from the query alone.
    const forged = plainSignature('', v.timestamp, v.nonce)
    expect(verifyPlainSignature('', { ...v, signature: forged })).toBe(false)
  })

  it('sorts the parts rather than concatenating them in order', () => {
    // Same parts in another role must give the same digest.
    expect(plainSignature('b', 'a', 'c')).toBe(plainSignature('c', 'b', 'a'))
    expect(plainSignature('b', 'a', 'c')).not.toBe(plainSignature('b', 'a', 'd'))
  })
})

describe('msg_signature (safe mode)', () => {
  const s = vectors.safe_mode
  it('matches the official message vector', () => {
    const m = s.message
    expect(msgSignature(s.token, m.timestamp, m.nonce, m.encrypt)).toBe(m.msg_signature)
    expect(verifyMsgSignature(s.token, m, m.encrypt)).toBe(true)
  })

  it('matches the official URL-check vector', () => {
    const u = s.url_check
    expect(verifyMsgSignature(s.token, u, u.echostr_encrypted)).toBe(true)
  })

  it('covers the Encrypt value, so a changed body fails', () => {
    const m = s.message
    expect(verifyMsgSignature(s.token, m, `${m.encrypt.slice(0, -4)}AAA=`)).toBe(false)
    expect(verifyMsgSignature(s.token, m, '')).toBe(false)
    // The plain signature over the same query is not accepted in place of msg_signature.
    const plain = plainSignature(s.token, m.timestamp, m.nonce)
    expect(verifyMsgSignature(s.token, { ...m, msg_signature: plain }, m.encrypt)).toBe(false)
  })
})

describe('safeEqual', () => {
  it('compares content and length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true)
    expect(safeEqual('abc', 'abd')).toBe(false)
    expect(safeEqual('abc', 'abcd')).toBe(false)
    expect(safeEqual('', '')).toBe(true)
    expect(safeEqual('é', 'e\u0301')).toBe(false)
  })
})

describe('isFreshTimestamp', () => {
  const now = 1_700_000_000_000
  it('accepts timestamps inside the window either side of now', () => {
    expect(isFreshTimestamp('1700000000', 300, now)).toBe(true)
    expect(isFreshTimestamp('1699999700', 300, now)).toBe(true)
    expect(isFreshTimestamp('1700000300', 300, now)).toBe(true)
  })

  it('refuses stale, future and malformed timestamps', () => {
    expect(isFreshTimestamp('1699999699', 300, now)).toBe(false)
    expect(isFreshTimestamp('1700000301', 300, now)).toBe(false)
    for (const bad of ['', '17e8', '-1', ' 1700000000', '1700000000.5', undefined]) {
      expect(isFreshTimestamp(bad, 300, now)).toBe(false)
    }
  })
})

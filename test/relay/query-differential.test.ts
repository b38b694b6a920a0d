// The push endpoint's query splitter (queryOf) against what it stands in for,
// `Object.fromEntries(new URLSearchParams(search))`, on generated queries: percent-encoding
// edge cases (`%`, `%zz`, a cut UTF-8 sequence, double encoding), `+`, empty names and values,
// repeated names and Object.prototype names. Same own entries, same order, same prototype.
import { describe, expect, it } from 'vitest'
import { queryOf } from '../../relay/push-endpoint'
import { Rand } from '../helpers/random'

const SEEDS = [11, 12, 13]
const CASES_PER_SEED = 4000

const NAMES = [
  'signature',
  'timestamp',
  'nonce',
  'openid',
  'encrypt_type',
  'msg_signature',
  'echostr',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
  '0',
  '1',
  'a',
  '',
  ' ',
  '?',
  '中文',
]
const VALUE_PIECES = [
  'a',
  'Z',
  '0',
  '1714037059',
  'f464b24fc39322e44b38aa78f5edd27bd1441696',
  'aes',
  'oVisitor_1',
  '=',
  '?',
  '#',
  '/',
  ';',
  '-',
  '.',
  '~',
  '中',
  '😀',
]
/** Encoded pieces, well and badly formed: anything with `%` or `+` takes URLSearchParams. */
const ENCODED_PIECES = [
  '%',
  '%%',
  '%zz',
  '%2',
  '%E4%B8',
  '%E4%B8%AD',
  '%C3%A9',
  '%ED%A0%80',
  '%FF',
  '%00',
  '%20',
  '+',
  '%2B',
  '%25',
  '%252B',
  '%2525',
  '%26',
  '%3D',
  '%5F%5Fproto%5F%5F',
  '__proto%5F_',
  '%5f%5fproto%5f%5f',
]

function piece(r: Rand): string {
  return r.chance(0.15) ? r.pick(ENCODED_PIECES) : r.pick(VALUE_PIECES)
}

function pair(r: Rand, names: readonly string[]): string {
  const name = r.chance(0.8) ? r.pick(names) : r.join(1 + r.int(3), () => piece(r))
  switch (r.int(10)) {
    case 0:
      return name // no '='
    case 1:
      return `${name}=` // empty value
    case 2:
      return `=${r.join(r.int(3), () => piece(r))}` // empty name
    default:
      return `${name}=${r.join(r.int(4), () => piece(r))}`
  }
}

function generate(r: Rand): string {
  // Few names per query so repeats are common.
  const names = Array.from({ length: 1 + r.int(4) }, () => r.pick(NAMES))
  const sep = () => r.pick(['&', '&', '&', '&&', '&=&'])
  const body = r.join(r.int(7), () => pair(r, names), sep())
  return r.pick(['?', '?', '', '??', '?&']) + body + r.pick(['', '', '&', '&&'])
}

/** Own entries in order plus the prototype: what a caller of either can observe. */
function observe(q: object): string {
  return JSON.stringify({
    proto: Object.getPrototypeOf(q) === Object.prototype,
    e: Object.entries(q),
  })
}

function differs(search: string): string | null {
  const want = Object.fromEntries(new URLSearchParams(search))
  const got = observe(queryOf(search))
  return got === observe(want) ? null : got
}

describe('queryOf against URLSearchParams', () => {
  it.each(SEEDS)('agrees on raw and URL-normalised queries (seed %i)', (seed) => {
    const r = new Rand(seed)
    const disagreements: string[] = []
    let plain = 0
    for (let i = 0; i < CASES_PER_SEED; i++) {
      const raw = generate(r)
      // What the endpoint really gets: `url.search` of the request's URL.
      const search = new URL(`http://relay.test/wechat${raw.startsWith('?') ? '' : '?'}${raw}`)
        .search
      for (const s of [raw, search]) {
        if (!/[%+]/.test(s)) plain++
        const got = differs(s)
        if (got !== null)
          disagreements.push(`seed ${seed} case ${i}: ${JSON.stringify(s)} → ${got}`)
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([])
    // The direct split (no % or +) was exercised, not only the fallback.
    expect(plain).toBeGreaterThan(CASES_PER_SEED / 2)
  })

  it('keeps Object.prototype names as own entries, and never touches the prototype', () => {
    for (const s of ['?__proto__=x', '?__proto__', '?a=1&__proto__=2', '?%5F%5Fproto%5F%5F=x']) {
      const q = queryOf(s)
      expect(Object.getPrototypeOf(q)).toBe(Object.prototype)
      expect(Object.hasOwn(q, '__proto__')).toBe(true)
    }
    expect(queryOf('?constructor=c&prototype=p&toString=t')).toEqual({
      constructor: 'c',
      prototype: 'p',
      toString: 't',
    })
  })

  it('decodes like URLSearchParams where it hands over, and splits plain queries itself', () => {
    expect(queryOf('?a=%E4%B8%AD&b=1+2&c=%zz&d=%E4%B8')).toEqual({
      a: '中',
      b: '1 2',
      c: '%zz',
      d: '\uFFFD',
    })
    expect(queryOf('?a=1&a=2&=3&b&&c=x=y')).toEqual({ a: '2', '': '3', b: '', c: 'x=y' })
  })
})

// The XML fast path (readFlatFields, one regex match per field) against fast-xml-parser's
// validator and parser (readAnyFields) on generated documents: the fast path may decline
// (null), but whenever it answers, the parser must accept the same document and give the same
// fields in the same order. CR, entities, CDATA edge cases, comments, nesting, attributes,
// repeated fields and Object.prototype names are all in the mix.
import { describe, expect, it } from 'vitest'
import { WechatXmlError } from '../../shared/wechat/errors'
import { readAnyFields, readFlatFields, type XmlFields } from '../../shared/wechat/xml-read'
import { Rand } from '../helpers/random'

const SEEDS = [1, 2, 3]
const CASES_PER_SEED = 2000

const WECHAT_NAMES = [
  'ToUserName',
  'FromUserName',
  'CreateTime',
  'MsgType',
  'Event',
  'EventKey',
  'Ticket',
  'MsgId',
  'Encrypt',
]
const ODD_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'Constructor',
  'xml',
  'a',
  'A-b',
  'A.b',
  'A_1',
  'Ab9',
  'Ñame',
  'X:y',
  '#text',
  '1A',
]
const TEXT_PIECES = [
  'a',
  'Z',
  '0',
  '1714037059',
  ' ',
  '\n',
  '\t',
  '\r',
  '\r\n',
  '中文',
  'é',
  '😀',
  '"',
  "'",
  '>',
  '/',
  '=',
  ']',
  ']]',
  ']]>',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#20013;',
  '&#x4E2D;',
  '&#13;',
  '&#xD;',
  '&#0;',
  '&#xD800;',
  '&#x110000;',
  '&#;',
  '&amp',
  '&nbsp;',
  '&',
  'qrscene_',
  'booth-1:n0nce',
]
const CDATA_PIECES = [
  'a',
  ' ',
  '\n',
  '\r',
  '\r\n',
  ']',
  ']]',
  ']>',
  '>',
  '<',
  '<b>x</b>',
  '&amp;',
  '&',
  '&#65;',
  '<!-- c -->',
  '<![CDATA[',
  '中文',
  '😀',
  'qrscene_booth-1:n0nce',
]
const GAPS = [
  '',
  '',
  '',
  '\n',
  ' ',
  '\t',
  '\r\n',
  '\r',
  ' \n ',
  'x',
  '<!-- c -->',
  '&amp;',
  '<?pi?>',
]

function content(r: Rand): string {
  const text = () => r.join(r.int(5), () => r.pick(TEXT_PIECES))
  const cdata = () => `<![CDATA[${r.join(r.int(5), () => r.pick(CDATA_PIECES))}]]>`
  switch (r.int(12)) {
    case 0:
    case 1:
    case 2:
      return text()
    case 3:
    case 4:
    case 5:
      return cdata()
    case 6:
      return '' // `<A></A>`
    case 7: // ']]>' inside a value, written the only way XML allows
      return `<![CDATA[a]]]]><![CDATA[>b]]>`
    case 8:
      return text() + cdata() + text()
    case 9:
      return `${text()}<!--${r.pick(['', ' c ', '-', 'x-y'])}-->${text()}`
    case 10:
      return `<${r.pick(WECHAT_NAMES)}>${text()}</${r.pick(WECHAT_NAMES)}>`
    default:
      return r.pick(['<?pi x?>', '<B/>', cdata() + cdata(), `\n${cdata()}\n`])
  }
}

function field(r: Rand, name: string): string {
  const body = content(r)
  switch (r.int(14)) {
    case 0:
      return `<${name}/>`
    case 1:
      return `<${name} a="1">${body}</${name}>`
    case 2:
      return `<${name} >${body}</${name} >`
    case 3:
      return `<${name}>${body}</${r.pick(WECHAT_NAMES)}>`
    case 4:
      return `<${name}>${body}`
    default:
      return `<${name}>${body}</${name}>`
  }
}

/**
 * WeChat's own shape, the fast path's: leaf fields of text or one CDATA section. Now and then
 * with what it must leave to the parser: CR line ends (as a proxy might leave), an entity, an
 * odd field name, a repeated field.
 */
function wechatLike(r: Rand): string {
  const crs = r.chance(0.2) ? ['\r\n', '\r'] : []
  const refs = r.chance(0.2) ? ['&amp;', '&#20013;', '&lt;'] : []
  const gap = r.pick(['', '\n', ...crs])
  const cdata = ['a', '中文', ' ', ']', '<', '&', '\n', ...crs]
  const text = ['1', 'a', ' ', '\n', '>', '"', '中', ...crs, ...refs]
  const names = WECHAT_NAMES.filter(() => r.chance(0.7)).map((n) =>
    r.chance(0.05) ? r.pick(ODD_NAMES) : n,
  )
  if (r.chance(0.1)) names.push(r.pick(WECHAT_NAMES)) // maybe a repeat
  const fields = names.map((n) =>
    r.chance(0.6)
      ? `<${n}><![CDATA[${r.join(r.int(4), () => r.pick(cdata))}]]></${n}>`
      : `<${n}>${r.join(r.int(4), () => r.pick(text))}</${n}>`,
  )
  return `<xml>${gap}${fields.join(gap)}${gap}</xml>`
}

function anyDoc(r: Rand): string {
  const pool = r.chance(0.8) ? WECHAT_NAMES : [...WECHAT_NAMES, ...ODD_NAMES]
  // Few names, several fields: repeats happen often.
  const names = Array.from({ length: 1 + r.int(4) }, () => r.pick(pool))
  const fields = r.join(r.int(6), () => r.pick(GAPS) + field(r, r.pick(names)))
  const prefix = r.pick(['', '', ' ', '\n', '\r\n', '<?xml version="1.0"?>', '<!-- c -->', 'x'])
  const open = r.pick(['<xml>', '<xml>', '<xml>', '<XML>', '<xml >', '<xml a="1">', '<root>', ''])
  const close = r.pick(['</xml>', '</xml>', '</xml>', '</XML>', '', '</xml >', '</xml></xml>'])
  const suffix = r.pick(['', '', '\n', ' ', '\r\n', '\t', '<xml></xml>', 'x', '<!-- c -->'])
  return prefix + open + fields + r.pick(GAPS) + close + suffix
}

/** Small damage: a piece inserted, a slice removed, or a character replaced. */
function mutate(r: Rand, doc: string): string {
  const at = r.int(doc.length + 1)
  switch (r.int(3)) {
    case 0:
      return doc.slice(0, at) + r.pick([...TEXT_PIECES, ...CDATA_PIECES]) + doc.slice(at)
    case 1:
      return doc.slice(0, at) + doc.slice(at + 1 + r.int(8))
    default:
      return (
        doc.slice(0, at) + r.pick(['<', '>', '/', '\r', '&', '[', ']', '!']) + doc.slice(at + 1)
      )
  }
}

function generate(r: Rand): string {
  const doc = r.chance(0.5) ? wechatLike(r) : anyDoc(r)
  return r.chance(0.25) ? mutate(r, doc) : doc
}

function full(text: string): XmlFields | WechatXmlError {
  try {
    return readAnyFields(text)
  } catch (e) {
    if (e instanceof WechatXmlError) return e
    throw e
  }
}

describe('XML fast path against fast-xml-parser', () => {
  it.each(SEEDS)('agrees wherever it answers (seed %i)', (seed) => {
    const r = new Rand(seed)
    const disagreements: string[] = []
    let answered = 0
    let declined = 0
    for (let i = 0; i < CASES_PER_SEED; i++) {
      const text = generate(r)
      const fast = readFlatFields(text)
      const slow = full(text)
      if (fast === null) {
        declined++
        continue
      }
      answered++
      const same =
        !(slow instanceof WechatXmlError) && JSON.stringify([...fast]) === JSON.stringify([...slow])
      if (!same) {
        const want = slow instanceof WechatXmlError ? slow.message : [...slow]
        disagreements.push(
          `seed ${seed} case ${i}: ${JSON.stringify({ text, fast: [...fast], want })}`,
        )
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([])
    // Both sides of the fork were exercised, not just one.
    expect(answered).toBeGreaterThan(CASES_PER_SEED / 8)
    expect(declined).toBeGreaterThan(CASES_PER_SEED / 8)
  })

  it('takes the documents WeChat sends, and declines what it must leave to the parser', () => {
    const push =
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\n<FromUserName><![CDATA[o1]]></FromUserName>' +
      '<CreateTime>1714037059</CreateTime><MsgType><![CDATA[event]]></MsgType>' +
      '<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[booth-1:n]]></EventKey></xml>'
    expect(readFlatFields(push)?.get('EventKey')).toBe('booth-1:n')
    // CR is normalised by an XML parser (CR LF and a lone CR both become LF), CDATA included.
    for (const cr of ['<xml><A>a\r\nb</A></xml>', '<xml><A><![CDATA[a\rb]]></A></xml>']) {
      expect(readFlatFields(cr)).toBeNull()
      expect(full(cr)).toEqual(new Map([['A', 'a\nb']]))
    }
    expect(readFlatFields('<xml><__proto__>x</__proto__></xml>')).toBeNull()
    expect(readFlatFields('<xml><A>&amp;</A></xml>')).toBeNull()
    expect(readFlatFields('<xml><A>x</A><A>y</A></xml>')?.get('A')).toBeNull()
  })
})

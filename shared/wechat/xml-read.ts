// Safe reading of WeChat's flat `<xml>` documents. WeChat never sends a DTD, so any DOCTYPE or
// ENTITY declaration is refused outright (XXE, billion laughs) before a parser sees it; the parser
// runs with entity processing off and we decode only XML's five built-ins and character
// references ourselves, in one pass, so nothing expands twice.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { WechatXmlError } from './errors'

/** WeChat's pushes are small; anything bigger is refused before parsing (bytes, not chars). */
export const MAX_PUSH_BYTES = 65536

/** A leaf field's text, or `null` when the element has children or appears more than once. */
export type XmlFields = Map<string, string | null>

const parser = new XMLParser({
  preserveOrder: true, // keeps text and CDATA pieces in order (']]>' splits two CDATA sections)
  ignoreAttributes: true,
  parseTagValue: false, // '007' and 20-digit scene ids stay strings
  parseAttributeValue: false,
  trimValues: false, // scene strings are exact
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 16,
})

const utf8 = new TextDecoder('utf-8', { fatal: true })
const DECLARATION = /<!(?:DOCTYPE|ENTITY)/i
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&/g
const BUILT_IN: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function toText(xml: string | Buffer): string {
  const bytes = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.length
  if (bytes > MAX_PUSH_BYTES) {
    throw new WechatXmlError('too_large', `XML body over ${MAX_PUSH_BYTES} bytes`)
  }
  let text: string
  if (typeof xml === 'string') {
    text = xml
  } else {
    try {
      text = utf8.decode(xml)
    } catch (cause) {
      throw new WechatXmlError('malformed', 'XML body is not UTF-8', { cause })
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, named?: string, dec?: string, hex?: string) => {
    if (named !== undefined) return BUILT_IN[named] ?? whole
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : NaN
    // Anything else (`&nbsp;`, a bare '&', a reference to a surrogate) is not well-formed XML.
    if (
      !Number.isInteger(code) ||
      code === 0 ||
      code > 0x10ffff ||
      (code >= 0xd800 && code <= 0xdfff)
    ) {
      throw new WechatXmlError('malformed', 'unknown entity or stray "&" in XML text')
    }
    return String.fromCodePoint(code)
  })
}

type Node = Record<string, unknown>

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function elementName(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ':@')
}

/** The element's text if it only holds text and CDATA pieces, else null. */
function leafText(children: unknown): string | null {
  if (!Array.isArray(children)) return null
  let out = ''
  for (const child of children) {
    if (!isNode(child)) return null
    if (typeof child['#text'] === 'string') {
      out += decodeEntities(child['#text'])
    } else if (Array.isArray(child['#cdata'])) {
      for (const piece of child['#cdata']) {
        if (!isNode(piece) || typeof piece['#text'] !== 'string') return null
        out += piece['#text'] // CDATA is literal: no entity decoding
      }
    } else {
      return null
    }
  }
  return out
}

/** Parses `<xml>…</xml>` into its top-level fields. Throws WechatXmlError. */
export function readXmlFields(xml: string | Buffer): XmlFields {
  const text = toText(xml)
  if (DECLARATION.test(text)) {
    throw new WechatXmlError('doctype', 'DOCTYPE and ENTITY declarations are not accepted')
  }
  return readFlatFields(text) ?? readAnyFields(text)
}

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;) {
    c = text.charCodeAt(++i)
  }
  return i
}

/**
 * One leaf field at `lastIndex`, after optional whitespace: `<Name>` then either one CDATA
 * section (group 2) or plain text with no `<`, `&` or `]]>` (group 3), then `</Name>`. Names
 * are ASCII and start with a capital, as all of WeChat's do, which also leaves every
 * Object.prototype name (`__proto__`, `constructor`…) to the parser, which refuses or renames
 * them. Each character inside matches exactly one branch, so a failed match stays linear.
 */
const LEAF_FIELD =
  /[ \t\n]*<([A-Z][A-Za-z0-9_.-]*)>(?:<!\[CDATA\[((?:[^\]]|\](?!\]>))*)\]\]>|((?:[^<&\]]|\](?!\]>))*))<\/\1>/y

/**
 * The documents WeChat actually sends — `<xml>` holding leaf fields of text or one CDATA
 * section each, no declaration, comment, attribute, reference or nesting — read with one regex
 * match per field. Returns null for anything else, which then goes through the validator and
 * the full parser: this never accepts a document they would refuse, and gives the same fields
 * for every document it does accept (test/wechat/xml-read-differential.test.ts holds it to
 * that). Takes the text after `toText`, with declarations already refused.
 */
export function readFlatFields(text: string): XmlFields | null {
  // The parser turns CR LF into LF everywhere, CDATA included (XML's end-of-line handling).
  if (text.includes('\r')) return null
  const start = skipSpace(text, 0)
  if (!text.startsWith('<xml>', start)) return null
  const fields: XmlFields = new Map()
  let end = start + 5
  LEAF_FIELD.lastIndex = end
  for (let m = LEAF_FIELD.exec(text); m !== null; m = LEAF_FIELD.exec(text)) {
    const name = m[1] ?? ''
    const size = fields.size
    fields.set(name, m[2] ?? m[3] ?? '')
    // A repeated field is ambiguous: which FromUserName would we believe?
    if (fields.size === size) fields.set(name, null)
    end = LEAF_FIELD.lastIndex
  }
  end = skipSpace(text, end)
  return text.startsWith('</xml>', end) && skipSpace(text, end + 6) === text.length ? fields : null
}

/** Any well-formed document, through fast-xml-parser's validator and parser. */
export function readAnyFields(text: string): XmlFields {
  if (XMLValidator.validate(text) !== true) {
    throw new WechatXmlError('malformed', 'XML is not well-formed')
  }
  let doc: unknown
  try {
    doc = parser.parse(text)
  } catch (cause) {
    // e.g. fast-xml-parser's refusal of `__proto__` as a tag name
    throw new WechatXmlError('malformed', 'XML could not be parsed', { cause })
  }
  const roots = Array.isArray(doc) ? doc.filter(isNode) : []
  const root = roots[0]
  if (roots.length !== 1 || root === undefined || elementName(root) !== 'xml') {
    throw new WechatXmlError('malformed', 'expected a single <xml> root element')
  }
  const fields: XmlFields = new Map()
  const children = root['xml']
  for (const child of Array.isArray(children) ? children : []) {
    if (!isNode(child)) continue
    const name = elementName(child)
    if (name === undefined || name === '#text') continue // whitespace between fields
    if (name === '#cdata') throw new WechatXmlError('malformed', 'text directly inside <xml>')
    // A repeated field is ambiguous: which FromUserName would we believe?
    fields.set(name, fields.has(name) ? null : leafText(child[name]))
  }
  return fields
}

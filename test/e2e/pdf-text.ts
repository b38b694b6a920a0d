/**
 * The text of each page of a PDF as Chromium prints it (page.pdf(): Skia's PDFs, objects
 * uncompressed, content streams and ToUnicode maps deflated, text drawn as glyph ids in hex
 * strings): enough to read what a printed sheet says page by page, not a general PDF reader.
 */
import { inflateSync } from 'node:zlib'

interface PdfObject {
  dict: string
  stream: Buffer | null
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1')
  const found = new Map<number, PdfObject>()
  const head = /(\d+) 0 obj\s*/g
  let m: RegExpExecArray | null
  while ((m = head.exec(text)) !== null) {
    const start = m.index + m[0].length
    const end = text.indexOf('endobj', start)
    if (end < 0) break
    const body = text.slice(start, end)
    const at = body.indexOf('stream')
    let stream: Buffer | null = null
    let dict = body
    if (at >= 0 && !body.slice(0, at).endsWith('end')) {
      dict = body.slice(0, at)
      let from = start + at + 'stream'.length
      if (text[from] === '\r') from++
      if (text[from] === '\n') from++
      const to = text.lastIndexOf('endstream', end)
      const raw = pdf.subarray(from, to)
      stream = /\/FlateDecode/.test(dict) ? inflateSync(raw, { finishFlush: 2 }) : raw
    }
    found.set(Number(m[1]), { dict, stream })
    head.lastIndex = end
  }
  return found
}

/** `/Key n 0 R` in `dict`: object n's number. */
function ref(dict: string, key: string): number | null {
  const m = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dict)
  return m ? Number(m[1]) : null
}

/**
 * A ToUnicode CMap: glyph code (hex) to text, and how many hex digits a code is (4 for the
 * Type0 fonts, 2 for the Type3 fonts Skia makes of CJK glyphs).
 */
interface CMap {
  width: number
  map: Map<string, string>
}

function cmap(source: string): CMap {
  const map = new Map<string, string>()
  const width = (/begincodespacerange\s*<([0-9A-Fa-f]+)>/.exec(source)?.[1] ?? '0000').length
  const utf16 = (hex: string): string => {
    let s = ''
    for (let i = 0; i + 4 <= hex.length; i += 4)
      s += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16))
    return s
  }
  for (const block of source.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const [, from, to] of (block[1] ?? '').matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g))
      map.set((from ?? '').toUpperCase(), utf16(to ?? ''))
  for (const block of source.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const [, lo, hi, to] of (block[1] ?? '').matchAll(
      /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g,
    )) {
      const width = (lo ?? '').length
      const start = parseInt(lo ?? '0', 16)
      const base = parseInt(to ?? '0', 16)
      for (let c = start; c <= parseInt(hi ?? '0', 16); c++)
        map.set(
          c.toString(16).toUpperCase().padStart(width, '0'),
          String.fromCodePoint(base + c - start),
        )
    }
  return { width, map }
}

/** Each page's text, in page order: its glyphs as drawn, no spacing added between runs. */
export function pdfPageTexts(pdf: Buffer): string[] {
  const all = objects(pdf)
  const deref = (n: number | null): PdfObject | undefined => (n === null ? undefined : all.get(n))
  const pages: string[] = []
  const visit = (n: number): void => {
    const node = all.get(n)
    if (!node) return
    if (/\/Type\s*\/Pages\b/.test(node.dict)) {
      const kids = /\/Kids\s*\[([^\]]*)\]/.exec(node.dict)?.[1] ?? ''
      for (const [, kid] of kids.matchAll(/(\d+) 0 R/g)) visit(Number(kid))
      return
    }
    let resources = node.dict
    const resRef = ref(node.dict, 'Resources')
    if (resRef !== null) resources = deref(resRef)?.dict ?? ''
    let fontDict = /\/Font\s*<<([\s\S]*?)>>/.exec(resources)?.[1] ?? ''
    const fontRef = ref(resources, 'Font')
    if (fontRef !== null) fontDict = deref(fontRef)?.dict ?? ''
    const fonts = new Map<string, CMap>()
    const none: CMap = { width: 4, map: new Map() }
    for (const [, name, num] of fontDict.matchAll(/\/([^\s/]+)\s+(\d+) 0 R/g)) {
      const font = all.get(Number(num))
      const uni = deref(font ? ref(font.dict, 'ToUnicode') : null)?.stream
      fonts.set(name ?? '', uni ? cmap(uni.toString('latin1')) : none)
    }
    const contents =
      /\/Contents\s*\[([^\]]*)\]/.exec(node.dict)?.[1] ??
      /\/Contents\s+(\d+ 0 R)/.exec(node.dict)?.[1] ??
      ''
    const parts: string[] = []
    for (const [, c] of contents.matchAll(/(\d+) 0 R/g)) {
      const ops = all.get(Number(c))?.stream?.toString('latin1') ?? ''
      let font = none
      for (const op of ops.matchAll(
        /\/([^\s/]+)\s+[\d.]+\s+Tf|\[([^\]]*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj/g,
      )) {
        if (op[1] !== undefined) {
          font = fonts.get(op[1]) ?? none
          continue
        }
        const hexes =
          op[3] !== undefined
            ? [op[3]]
            : [...(op[2] ?? '').matchAll(/<([0-9A-Fa-f]*)>/g)].map((h) => h[1] ?? '')
        let s = ''
        for (const hex of hexes)
          for (let i = 0; i + font.width <= hex.length; i += font.width)
            s += font.map.get(hex.slice(i, i + font.width).toUpperCase()) ?? ''
        parts.push(s)
      }
    }
    // A font's glyph for 日 can be mapped back to the Kangxi radical ⽇ (U+2F47) that shares it.
    pages.push(parts.join('').replace(/[\u2F00-\u2FDF]/g, (c) => c.normalize('NFKC')))
  }
  const root = ref(all.get(ref(pdf.toString('latin1'), 'Root') ?? -1)?.dict ?? '', 'Pages')
  if (root !== null) visit(root)
  return pages
}

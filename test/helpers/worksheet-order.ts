/**
 * The order ECMA-376 Part 1 (§18.3.1.99, CT_Worksheet) gives a worksheet's child elements.
 * Excel refuses (or "repairs", dropping what it could not place) a sheet whose elements come in
 * another order, where LibreOffice and exceljs read it anyway: a reader passing is no proof.
 */
export const WORKSHEET_ORDER = [
  'sheetPr',
  'dimension',
  'sheetViews',
  'sheetFormatPr',
  'cols',
  'sheetData',
  'sheetCalcPr',
  'sheetProtection',
  'protectedRanges',
  'scenarios',
  'autoFilter',
  'sortState',
  'dataConsolidate',
  'customSheetViews',
  'mergeCells',
  'phoneticPr',
  'conditionalFormatting',
  'dataValidations',
  'hyperlinks',
  'printOptions',
  'pageMargins',
  'pageSetup',
  'headerFooter',
  'rowBreaks',
  'colBreaks',
  'customProperties',
  'cellWatches',
  'ignoredErrors',
  'smartTags',
  'drawing',
  'legacyDrawing',
  'legacyDrawingHF',
  'picture',
  'oleObjects',
  'controls',
  'webPublishItems',
  'tableParts',
  'extLst',
] as const

/** Elements the schema allows more than once in a row. */
const REPEATABLE = new Set(['conditionalFormatting'])

/** An element's tag: `</name`, `<name …/>` or `<name …>`; no comments or CDATA in our XML. */
const TAG = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g

/** The names of the root element's children in `xml`, in document order. */
export function rootChildren(xml: string): string[] {
  const children: string[] = []
  let depth = 0
  for (const m of xml.matchAll(TAG)) {
    const [, close, name, selfClosing] = m
    if (close === '/') {
      depth--
      continue
    }
    if (depth === 1) children.push(name as string)
    if (selfClosing !== '/') depth++
  }
  if (depth !== 0) throw new Error(`unbalanced XML: depth ${depth} at the end`)
  return children
}

/**
 * What is wrong with a worksheet's element order (empty: nothing): an element the schema does
 * not know, one out of its place, or one repeated that may appear once.
 */
export function worksheetOrderErrors(xml: string): string[] {
  const errors: string[] = []
  let last = -1
  let lastName = ''
  for (const name of rootChildren(xml)) {
    const at = (WORKSHEET_ORDER as readonly string[]).indexOf(name)
    if (at < 0) errors.push(`<${name}> is not a worksheet element`)
    else if (at < last) errors.push(`<${name}> comes after <${lastName}>`)
    else if (at === last && !REPEATABLE.has(name)) errors.push(`<${name}> twice`)
    if (at >= 0) {
      last = at
      lastName = name
    }
  }
  return errors
}

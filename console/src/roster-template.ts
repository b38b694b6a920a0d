/**
 * A blank roster for a new organizer to fill in: a CSV whose one line is the header row the
 * roster import reads (姓名, 单位, 电话, 编号, or Name, Company, Phone, Code in English), with a
 * UTF-8 BOM so Excel and WPS open its Chinese headings as such, not as mojibake.
 */

/** The roster's columns, in the order the template lists them. */
export const TEMPLATE_FIELDS = ['name', 'company', 'phone', 'code'] as const

/** The template's text: the headings, one line. */
export function rosterTemplateCsv(headings: readonly string[]): string {
  return `\uFEFF${headings.join(',')}\r\n`
}

/** A link's href that downloads the template (a data: URL, nothing asked of the relay). */
export function rosterTemplateHref(headings: readonly string[]): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(rosterTemplateCsv(headings))}`
}

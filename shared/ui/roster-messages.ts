/**
 * What a roster import's problems (shared/errors.ts rosterProblemCodes) say, in each UI language:
 * the kiosk's admin area and the organizer's console both put them under their roster's
 * `problems`. Avoid `|` and `@` in messages (vue-i18n syntax).
 */
import type { Locale } from '../domain'
import { UNREADABLE_ENCRYPTED, UNREADABLE_XLS, type RosterProblemCode } from '../errors'

export const rosterProblemMessages: Record<Locale, Record<RosterProblemCode, string>> = {
  'zh-CN': {
    name_empty: '姓名为空（或只有看不见的字符）或是公式错误值（如 #N/A）',
    too_long: '超过 {limit} 个字符',
    phone_invalid:
      '电话号码含有无效字符（只能有数字、空格、-、括号，+ 只能在开头）；若为科学计数法（如 1.38E+10），请把该列设为文本后重新导出',
    phone_too_short: '电话号码太短（至少 {min} 个字符）',
    control_chars:
      '含有控制字符（如单元格内换行、制表符）或文字方向控制符：请在表格中删除后重新导入',
    duplicate_row: '与第 {duplicateOf} 行重复',
    file_empty: '文件是空的',
    too_many_rows: '超过 {max} 行：请拆分文件后分别导入',
    too_many_cells:
      '工作簿超过 {max} 个单元格（含带格式的空单元格和所有工作表）：请删除不用的列和工作表，或拆分文件',
    no_name_column:
      '找不到姓名列：表格开头的 5 个非空行都没有“姓名”或“name”这样的列标题。请把姓名列的标题改为“姓名”后重新导入',
    unreadable: '无法按 {format} 格式读取该文件',
    encoding_big5:
      '文件看起来是 Big5（繁体中文）编码，暂不支持。请在 Excel 中另存为“CSV UTF-8”后重新导入。',
    encoding_utf16_no_bom:
      '文件看起来是不带字节序标记（BOM）的 UTF-16，无法可靠读取。请另存为“CSV UTF-8”后重新导入。',
    encoding_invalid:
      '文件声明为 {encoding} 编码，但内容不是有效的 {encoding}。请另存为“CSV UTF-8”后重新导入。',
    encoding_unsupported:
      '不支持该文件的文字编码（支持 UTF-8、带 BOM 的 UTF-16 和 GBK/GB18030）。请另存为“CSV UTF-8”后重新导入。',
    xlsx_too_large: 'XLSX 文件解压后超过 {mib} MiB，不是名单文件',
    xlsx_too_many_parts: 'XLSX 文件包含超过 {max} 个部件，不是名单文件',
    xlsx_damaged: 'XLSX 文件已损坏',
  },
  en: {
    name_empty:
      'The name is empty (or only characters that do not show) or a formula error (such as #N/A)',
    too_long: 'Longer than {limit} characters',
    phone_invalid:
      'The phone number has characters a phone number cannot have (only digits, spaces, - and brackets, and + at the start); if it is in scientific notation (such as 1.38E+10): in Excel, format the column as Text and export again',
    phone_too_short: 'The phone number is too short (at least {min} characters)',
    control_chars:
      'Holds a control character (such as a line break inside the cell or a tab) or a text-direction control: delete it in the spreadsheet and import again',
    duplicate_row: 'Same guest as row {duplicateOf}',
    file_empty: 'The file is empty',
    too_many_rows: 'More than {max} rows: split the file and import the parts one by one',
    too_many_cells:
      'The workbook has more than {max} cells (empty formatted cells and every sheet count): delete unused columns and sheets, or split the file',
    no_name_column:
      'No name column: none of the first 5 rows that are not blank has a heading such as "name" or "姓名". Give the column of names that heading and import again',
    unreadable: 'The file cannot be read as {format}',
    encoding_big5:
      'The file looks like Big5 (traditional Chinese), which is not supported. In Excel, save it as "CSV UTF-8" and import it again.',
    encoding_utf16_no_bom:
      'The file looks like UTF-16 without a byte-order mark, which cannot be read reliably. Save it as "CSV UTF-8" and import it again.',
    encoding_invalid:
      'The file says it is {encoding} but holds bytes that are not {encoding}. Save it as "CSV UTF-8" and import it again.',
    encoding_unsupported:
      'The text encoding of the file is not supported (UTF-8, UTF-16 with a byte-order mark and GBK/GB18030 are). Save it as "CSV UTF-8" and import it again.',
    xlsx_too_large: 'The XLSX file unpacks to more than {mib} MiB: not a roster',
    xlsx_too_many_parts: 'The XLSX file has more than {max} parts: not a roster',
    xlsx_damaged: 'The XLSX file is damaged',
  },
}

/** Files the roster cannot take but can name (`unreadable` with their format), and what to do. */
type RosterFileKind = 'xls' | 'encrypted'

export const rosterFileMessages: Record<Locale, Record<RosterFileKind, string>> = {
  'zh-CN': {
    xls: '这是旧版 Excel 文件（.xls）：请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后重新导入',
    encrypted:
      '这是加密的 Excel 文件：请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存为 .xlsx 再导入',
  },
  en: {
    xls: 'This is an old Excel file (.xls): in Excel, save it as .xlsx or "CSV UTF-8" and import it again',
    encrypted:
      'This workbook is password-protected: in Excel, remove the password (File → Info → Protect Workbook → Encrypt with Password, clear it), save it as .xlsx and import it again',
  },
}

/**
 * Where a roster problem's words are, under the roster's messages: `files.<kind>` for a file
 * found to be an old .xls or a password-protected workbook, else `problems.<code>`.
 */
export function rosterProblemKey(p: {
  code: string
  params: Readonly<Record<string, unknown>>
}): string {
  if (p.code === 'unreadable' && p.params['format'] === UNREADABLE_XLS) return 'files.xls'
  if (p.code === 'unreadable' && p.params['format'] === UNREADABLE_ENCRYPTED)
    return 'files.encrypted'
  return `problems.${p.code}`
}

/**
 * Why a picked file is refused before it is read, by its name: an old .xls (which the
 * organizer can save as .xlsx), else any other kind (`badFormat`), under the roster's messages.
 */
export const rosterPickProblemKey = (fileName: string): string =>
  /\.xls$/i.test(fileName) ? 'files.xls' : 'badFormat'

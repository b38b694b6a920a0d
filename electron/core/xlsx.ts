// exceljs is CommonJS: Node's ESM loader only offers its exports as the default import.
import ExcelJS from 'exceljs'

export const { Workbook } = ExcelJS
export const WorkbookWriter = ExcelJS.stream.xlsx.WorkbookWriter

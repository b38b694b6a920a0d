/**
 * Minimal files of the kinds organizers' spreadsheets save that a roster cannot take: an OLE2
 * compound file (CFB) as Excel writes a password-protected workbook (its EncryptedPackage
 * stream) or an old .xls (its Workbook stream). Only what a reader sniffs: the header's magic
 * and one directory entry naming the stream.
 */
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]

export function cfbFile(stream: 'EncryptedPackage' | 'Workbook'): Buffer {
  const file = Buffer.alloc(1024)
  Buffer.from(CFB_MAGIC).copy(file, 0)
  // Sector 1 (bytes 512–1023): the directory, its first entry the root, the second the stream.
  const entry = 512 + 128
  const name = Buffer.from(`${stream}\u0000`, 'utf16le')
  name.copy(file, entry)
  file.writeUInt16LE(name.length, entry + 64)
  return file
}

/** A password-protected XLSX as Excel saves it (an OLE2 container, not a ZIP). */
export const encryptedXlsx = (): Buffer => cfbFile('EncryptedPackage')
/** An Excel 97–2003 workbook (.xls). */
export const oldXls = (): Buffer => cfbFile('Workbook')

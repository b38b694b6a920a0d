/**
 * Printing one sheet of a page (the roster's door list): while it prints, html.printing-sheet
 * is set and console.css prints that sheet alone (`.print-sheet`), not the page around it. A class
 * set from here, not body:has(.print-sheet): the browsers the console targets (Chrome 84, Safari
 * 14.1) drop a rule with :has. Ctrl+P without the button prints the page itself (console.css).
 */
export const PRINTING_SHEET_CLASS = 'printing-sheet'

/**
 * Opens the browser's print dialog for the sheet on the page; `done` once it is printed or the
 * dialog closed (the page lets the sheet go: thousands of rows kept hidden slow it down).
 */
export function printSheet(done?: () => void): void {
  const root = globalThis.document.documentElement
  root.classList.add(PRINTING_SHEET_CLASS)
  const after = (): void => {
    root.classList.remove(PRINTING_SHEET_CLASS)
    globalThis.removeEventListener('afterprint', after)
    done?.()
  }
  globalThis.addEventListener('afterprint', after)
  globalThis.print()
}

/**
 * Booth ids in number order: booth-2 before booth-10, as people number booths (the relay lists
 * them by code point). The booths page, the campaigns list's chips and the booth picker share it.
 */
export const byNumberedId = new Intl.Collator('en', { numeric: true }).compare

/** The admin area's pages, in the order of its navigation (DOM-free: tests in Node import it). */
export const ADMIN_PAGES = [
  'setup',
  'campaign',
  'attendance',
  'stats',
  'export',
  'roster',
  'desk',
  'diagnostics',
  'settings',
] as const
export type AdminPage = (typeof ADMIN_PAGES)[number]

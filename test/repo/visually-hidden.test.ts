// Text read by a screen reader and not shown is hidden by one rule under one name in both
// browser apps (shared/ui/visually-hidden.css): a fix to it (a browser that shows clipped text,
// a screen reader that skips it) reaches the console and the kiosk's admin area alike.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const RULE = 'shared/ui/visually-hidden.css'

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name)
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : files(path)
    return /\.(css|vue)$/.test(d.name) ? [path] : []
  })
}

describe('visually hidden text', () => {
  it('is hidden by the one shared rule, which both apps load', () => {
    const hiding = ['console/src', 'renderer/src', 'shared']
      .flatMap((d) => files(join(ROOT, d)))
      .filter((f) => /\.(visually-hidden|announce|sr-only)\s*[{,]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f))
    expect(hiding).toEqual([RULE])
    for (const main of ['console/src/main.ts', 'renderer/src/main.ts'])
      expect(readFileSync(join(ROOT, main), 'utf8'), main).toContain(`'../../${RULE}'`)
  })

  it('is marked by that name, not another (the admin export page’s news)', () => {
    const page = readFileSync(join(ROOT, 'renderer/src/admin/pages/ExportPage.vue'), 'utf8')
    expect(page).toMatch(/class="visually-hidden" role="status"[^>]*data-testid="export-news"/)
    expect(page).not.toMatch(/class="announce"/)
  })
})

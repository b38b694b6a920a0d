/**
 * Writes the app icon, resources/icons/icon.png (run: `npx tsx scripts/make-icon.ts`).
 * 512×512, the size electron-builder converts to .ico, .icns and the Linux icon set. Drawn
 * here rather than downloaded: no licence question. A rounded blue tile holding a stylised QR
 * code (three finder squares and a fixed module pattern), 4× supersampled for smooth edges.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { PNG } from 'pngjs'

const SIZE = 512
const SS = 4
type Rgba = readonly [number, number, number, number]

const TILE: Rgba = [30, 111, 217, 255]
const CARD: Rgba = [255, 255, 255, 255]
const INK: Rgba = [16, 42, 86, 255]
const CLEAR: Rgba = [0, 0, 0, 0]

/** Inside a rounded rectangle [x0,x1)×[y0,y1) with corner radius r. */
function inRoundRect(
  x: number,
  y: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
) {
  if (x < x0 || x >= x1 || y < y0 || y >= y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}

// The QR area: 21×21 modules (a version-1 QR code's size) on the white card.
const MODULES = 21
const QR_ORIGIN = 116
const MODULE = 280 / MODULES

function finder(mx: number, my: number, ox: number, oy: number): boolean | null {
  const dx = mx - ox
  const dy = my - oy
  if (dx < -1 || dy < -1 || dx > 7 || dy > 7) return null
  if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return false
  const ring = Math.min(dx, dy, 6 - dx, 6 - dy)
  return ring !== 1
}

/** A fixed pseudo-random module pattern (a small LCG), so the icon is the same on every run. */
const pattern: boolean[] = []
let seed = 20240611
for (let i = 0; i < MODULES * MODULES; i++) {
  seed = (seed * 1103515245 + 12345) % 2147483648
  pattern.push(Math.floor(seed / 65536) % 2 === 0)
}

function qrModule(mx: number, my: number): boolean {
  for (const [ox, oy] of [
    [0, 0],
    [14, 0],
    [0, 14],
  ] as const) {
    const f = finder(mx, my, ox, oy)
    if (f !== null) return f
  }
  return pattern[my * MODULES + mx] ?? false
}

function colourAt(x: number, y: number): Rgba {
  if (!inRoundRect(x, y, 16, 16, 496, 496, 96)) return CLEAR
  if (!inRoundRect(x, y, 88, 88, 424, 424, 40)) return TILE
  const mx = Math.floor((x - QR_ORIGIN) / MODULE)
  const my = Math.floor((y - QR_ORIGIN) / MODULE)
  if (mx < 0 || my < 0 || mx >= MODULES || my >= MODULES) return CARD
  return qrModule(mx, my) ? INK : CARD
}

const png = new PNG({ width: SIZE, height: SIZE })
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    let r = 0
    let g = 0
    let b = 0
    let a = 0
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const c = colourAt(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS)
        // Premultiplied, so transparent samples do not darken the edge.
        r += c[0] * c[3]
        g += c[1] * c[3]
        b += c[2] * c[3]
        a += c[3]
      }
    }
    const i = (y * SIZE + x) * 4
    png.data[i] = a ? Math.round(r / a) : 0
    png.data[i + 1] = a ? Math.round(g / a) : 0
    png.data[i + 2] = a ? Math.round(b / a) : 0
    png.data[i + 3] = Math.round(a / (SS * SS))
  }
}

const out = resolve(import.meta.dirname, '..', 'resources', 'icons', 'icon.png')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, PNG.sync.write(png))
console.log(`wrote ${out}`)

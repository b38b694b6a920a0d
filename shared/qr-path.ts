/**
 * A QR symbol as one SVG path, drawn locally with the qrcode package: the kiosk's code and the
 * console's pairing QR. Plain TS (no DOM, no Node).
 */
import QRCode from 'qrcode'

/** Light border around the symbol, in modules: the QR spec's minimum for reliable scanning. */
export const QUIET_ZONE = 4

export interface QrDrawing {
  /** Side of the whole drawing in modules, quiet zone included. */
  size: number
  /** Dark modules as one SVG path, one horizontal run per subpath, in module units. */
  d: string
}

/**
 * Encodes `text` locally (no network, works offline) and draws the dark modules as a single
 * path. One path instead of thousands of rects keeps the DOM small, and integer module
 * coordinates with `shape-rendering="crispEdges"` stay sharp at any scale.
 */
export function drawQr(text: string): QrDrawing {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const n = modules.size
  const parts: string[] = []
  for (let row = 0; row < n; row++) {
    let col = 0
    while (col < n) {
      if (!modules.get(row, col)) {
        col++
        continue
      }
      const start = col
      while (col < n && modules.get(row, col)) col++
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`)
    }
  }
  return { size: n + 2 * QUIET_ZONE, d: parts.join('') }
}

// showqrcode's picture: a real QR code of the ticket's url, as a JPEG like WeChat serves.
import jpeg from 'jpeg-js'
import QRCode from 'qrcode'

/** WeChat's images are 430 px square; the module size is rounded to whole pixels. */
const TARGET_PX = 430
/** The 4-module quiet zone the QR standard asks for. */
const QUIET_MODULES = 4
const JPEG_QUALITY = 90

export function renderQrJpeg(text: string): Buffer {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const modules = qr.modules.size
  const total = modules + QUIET_MODULES * 2
  const scale = Math.max(1, Math.floor(TARGET_PX / total))
  const px = total * scale
  const rgba = Buffer.alloc(px * px * 4, 0xff)
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) {
      if (!qr.modules.get(row, col)) continue
      const y0 = (row + QUIET_MODULES) * scale
      const x0 = (col + QUIET_MODULES) * scale
      for (let y = y0; y < y0 + scale; y++) {
        const start = (y * px + x0) * 4
        for (let i = start; i < start + scale * 4; i += 4) {
          rgba[i] = 0
          rgba[i + 1] = 0
          rgba[i + 2] = 0
        }
      }
    }
  }
  return jpeg.encode({ data: rgba, width: px, height: px }, JPEG_QUALITY).data
}

// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import jsQR from 'jsqr'
import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import QrCode from '../../renderer/src/kiosk/QrCode.vue'
import { QUIET_ZONE } from '../../shared/qr-path'

/** Rebuilds the module matrix from the rendered path (each subpath is one horizontal run). */
function matrixFromPath(d: string, size: number): boolean[][] {
  const matrix = Array.from({ length: size }, () => Array<boolean>(size).fill(false))
  const runs = d.match(/M\d+ \d+h\d+v1h-\d+z/g) ?? []
  expect(runs.join('')).toBe(d)
  for (const run of runs) {
    const [x, y, w] = (run.match(/\d+/g) ?? []).map(Number) as [number, number, number]
    for (let i = 0; i < w; i++) {
      const row = matrix[y]
      if (!row || row[x + i]) throw new Error(`module ${x + i},${y} drawn twice or outside`)
      row[x + i] = true
    }
  }
  return matrix
}

/** Paints the matrix as RGBA pixels (scale px per module) for a real QR decoder. */
function rasterize(matrix: boolean[][], scale: number) {
  const side = matrix.length * scale
  const data = new Uint8ClampedArray(side * side * 4)
  for (let py = 0; py < side; py++) {
    for (let px = 0; px < side; px++) {
      const dark = matrix[Math.floor(py / scale)]?.[Math.floor(px / scale)] ?? false
      const v = dark ? 0 : 255
      data.set([v, v, v, 255], (py * side + px) * 4)
    }
  }
  return { data, side }
}

function render(url: string) {
  const wrapper = mount(QrCode, { props: { url, label: 'scan' } })
  const svg = wrapper.get('svg')
  const [, , w, h] = (svg.attributes('viewBox') ?? '').split(' ').map(Number)
  const d = wrapper.get('path').attributes('d') ?? ''
  return { wrapper, svg, size: w ?? 0, height: h ?? 0, d }
}

const urls = [
  'http://weixin.qq.com/q/02abcDEF123ghiJKL456',
  'http://weixin.qq.com/q/' + 'x'.repeat(120),
  'http://127.0.0.1:41234/q/booth-1:9f8e7d6c5b4a',
]

describe('QrCode', () => {
  it.each(urls)('draws exactly the modules of the url, with a 4-module quiet zone: %s', (url) => {
    const { size, height, d } = render(url)
    const expected = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules
    expect(size).toBe(expected.size + 2 * QUIET_ZONE)
    expect(height).toBe(size)
    const drawn = matrixFromPath(d, size)
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside =
          x >= QUIET_ZONE && y >= QUIET_ZONE && x < size - QUIET_ZONE && y < size - QUIET_ZONE
        const want = inside ? expected.get(y - QUIET_ZONE, x - QUIET_ZONE) === 1 : false
        expect(drawn[y]?.[x], `module ${x},${y}`).toBe(want)
      }
    }
  })

  it.each(urls)('decodes back to the same url with an independent decoder: %s', (url) => {
    const { size, d } = render(url)
    const { data, side } = rasterize(matrixFromPath(d, size), 4)
    expect(jsQR(data, side, side)?.data).toBe(url)
  })

  it('is black on white, crisp-edged, without embedded markup', () => {
    const { wrapper, svg } = render(urls[0] ?? '')
    expect(svg.attributes('shape-rendering')).toBe('crispEdges')
    expect(wrapper.get('rect').attributes('fill')).toBe('#ffffff')
    expect(wrapper.get('path').attributes('fill')).toBe('#000000')
    expect(wrapper.findAll('path')).toHaveLength(1)
  })

  it('redraws when the url changes', async () => {
    const { wrapper, d } = render(urls[0] ?? '')
    await wrapper.setProps({ url: urls[2] ?? '' })
    expect(wrapper.get('path').attributes('d')).not.toBe(d)
  })
})

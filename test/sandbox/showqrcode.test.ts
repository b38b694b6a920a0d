import jpeg from 'jpeg-js'
import jsQR from 'jsqr'
import { afterEach, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/server'
import { basicToken, closeAll, createQr, fakeClock, sandbox, tempCode } from './helpers'

afterEach(closeAll)

function decodeQr(image: Buffer): string | undefined {
  const { data, width, height } = jpeg.decode(image, { useTArray: true, formatAsRGBA: true })
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height)
    ?.data
}

const show = (sb: Sandbox, ticketParam: string) =>
  fetch(`${sb.url}/cgi-bin/showqrcode?ticket=${ticketParam}`)

describe('showqrcode', () => {
  it('serves a JPEG QR code that decodes back to the ticket’s url', async () => {
    const sb = await sandbox()
    const token = await basicToken(sb)
    const codes = [
      await tempCode(sb, 'booth-1:x7'),
      (
        await createQr(sb, token, {
          action_name: 'QR_LIMIT_SCENE',
          action_info: { scene: { scene_id: 42 } },
        })
      ).json,
    ]
    for (const code of codes) {
      const res = await show(sb, encodeURIComponent(String(code.ticket)))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/jpg')
      expect(res.headers.get('cache-control')).toBe('max-age=604800')
      const image = Buffer.from(await res.arrayBuffer())
      expect(image.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])) // JPEG SOI
      expect(decodeQr(image)).toBe(code.url)
    }
  })

  it('answers 404 for an unknown ticket and for one not (or twice) URL-encoded', async () => {
    const sb = await sandbox()
    const { ticket } = await tempCode(sb, 'k:1')
    expect((await show(sb, encodeURIComponent('gQ' + ticket.slice(2, -4) + 'AAA='))).status).toBe(
      404,
    )
    expect((await show(sb, '')).status).toBe(404)
    // Tickets always end in "==" (and often hold '+' or '/'), so encoding mistakes are caught.
    expect(ticket.endsWith('==')).toBe(true)
    expect((await show(sb, encodeURIComponent(encodeURIComponent(ticket)))).status).toBe(404)
    if (ticket.includes('+')) expect((await show(sb, ticket)).status).toBe(404)
  })

  it('answers 404 once a temporary ticket has expired', async () => {
    const clock = fakeClock()
    const sb = await sandbox({ now: clock.now })
    const { ticket } = await tempCode(sb, 'k:2', 60)
    clock.advance(59_999)
    expect((await show(sb, encodeURIComponent(ticket))).status).toBe(200)
    clock.advance(1)
    expect((await show(sb, encodeURIComponent(ticket))).status).toBe(404)
  })
})

// A booth's fallback code is a permanent QR_LIMIT_STR_SCENE code: the sandbox must serve and
// scan it end to end long after any temporary code has expired, the same for every visitor.
import { afterEach, describe, expect, it } from 'vitest'
import { UnknownQrCodeError } from '../../sandbox/server'
import { basicToken, closeAll, createQr, fakeClock, receiver, sandbox, tempCode } from './helpers'

afterEach(closeAll)

const DAY_MS = 86_400_000

describe('permanent string-scene codes', () => {
  it('are shown and scanned months later, by any number of visitors, with their scene', async () => {
    const clock = fakeClock()
    const sb = await sandbox({ now: clock.now })
    const dev = await receiver(() => ({}))
    sb.setPushUrl(dev.url)
    const token = await basicToken(sb)
    const created = await createQr(sb, token, {
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'booth-1:fallback' } },
    })
    // Permanent: no expire_seconds in the answer.
    expect(Object.keys(created.json).sort()).toEqual(['ticket', 'url'])
    const url = String(created.json.url)
    const temp = await tempCode(sb, 'booth-1:n1', 60)

    clock.advance(90 * DAY_MS)
    await expect(sb.scan(temp.url, 'o_late')).rejects.toBeInstanceOf(UnknownQrCodeError)
    const image = await fetch(
      `${sb.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(String(created.json.ticket))}`,
    )
    expect(image.status).toBe(200)
    for (const openid of ['o_1', 'o_2', 'o_3']) {
      const scan = await sb.scan(url, openid)
      expect(scan.event).toBe('subscribe')
    }
    expect((await sb.scan(url, 'o_1')).event).toBe('SCAN')
    const keys = dev.received.map((p) => /<EventKey><!\[CDATA\[(.*?)\]\]>/.exec(p.body)?.[1])
    expect(keys).toEqual([
      'qrscene_booth-1:fallback',
      'qrscene_booth-1:fallback',
      'qrscene_booth-1:fallback',
      'booth-1:fallback',
    ])
  })
})

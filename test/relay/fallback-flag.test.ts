/**
 * Contract v2 "Fallback code": scans of a booth's permanent code (scene `<kioskId>:fallback`) are
 * flagged `fallback` in the relay's attendance and export, whoever made the code: the relay's
 * proxy (`POST /api/fallback-code`) or a kiosk whose ticket source is `direct`, which creates it
 * with its own AppSecret and never tells the relay.
 */
import { describe, expect, it } from 'vitest'
import { consoleAttendancePageSchema } from '../../shared/console-api'
import { fallbackScene } from '../../shared/relay-protocol'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { postPush, scanXml } from './harness'

const bed = relayTestBed()

describe.each(['sqlite', 'redis'] as const)('the fallback flag (%s store)', (backend) => {
  it("flags scans of a direct kiosk's own fallback code, which the relay never made", async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    await relay.addKiosk('booth-d')
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await assign(c, 'booth-d', campaign.id)
    // The kiosk made its code with WeChat directly: the relay holds no fallback code for it.
    expect(await relay.store.fallbackCode('booth-d')).toBeNull()
    const pushes: Array<[string, string]> = [
      ['o-fallback', fallbackScene('booth-d')],
      ['o-fresh', 'booth-d:Qm9vdGhOb25jZTEy'],
    ]
    for (const [i, [openid, scene]] of pushes.entries()) {
      expect((await postPush(relay.url, scanXml(openid, scene, 1_700_000_000 + i))).status).toBe(
        200,
      )
    }

    const page = await c.call('GET', '/console/api/attendance?format=json')
    expect(page.status, page.text).toBe(200)
    const rows = consoleAttendancePageSchema.parse(page.json).rows
    expect(rows.map((r) => [r.openid, r.fallback])).toEqual([
      ['o-fallback', true],
      ['o-fresh', false],
    ])

    const csv = await c.call('GET', `/console/api/attendance?format=csv&campaign=${campaign.id}`)
    expect(csv.status).toBe(200)
    const [header = '', ...lines] = csv.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n')
    const col = header.split(',').indexOf('备用码')
    expect(col).toBeGreaterThan(0)
    expect(lines.map((l) => [l.split(',')[10], l.split(',')[col]])).toEqual([
      ['o-fallback', '是'],
      ['o-fresh', '否'],
    ])
  })
})

// The `screens` frame: right after the campaign frame, the campaign's wall and draw paths with
// the current screen key; a rotated key reaches a connected kiosk with a new version; the
// campaign frame itself never carries the key; no screens frame for a kiosk in no campaign.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RelayFrame, ScreensFrame } from '../../shared/relay-protocol'
import { consoleCampaignSchema } from '../../shared/campaign'
import { screenPathsSchema } from '../../shared/screen-paths'
import { assign, relayTestBed } from './campaign-helpers'
import { KioskClient, type Backend } from './harness'
import { screenPath, screenSetup } from './screen-helpers'

const { cleanups, placeFor, relayOn, k1InCampaign } = relayTestBed()

async function kiosk(url: string, token: string): Promise<KioskClient> {
  const k = await KioskClient.hello(url, token, { kioskId: 'k1' })
  cleanups.push(() => k.close())
  return k
}

const screensOf = (frames: RelayFrame[]): ScreensFrame[] =>
  frames.filter((f): f is ScreensFrame => f.type === 'screens')

/** Kiosk k1 connected, in a new campaign, its first screens frame received. */
async function kioskInCampaign(backend: Backend) {
  const { relay, token, c, made } = await k1InCampaign(backend)
  const k = await kiosk(relay.url, token)
  await k.waitFor((f) => f.type === 'screens')
  return { c, made, k }
}

describe.each<Backend>(['sqlite', 'redis'])('screens frame (%s)', (backend) => {
  it('follows the campaign frame with the current key, and a rotation sends the new one', async () => {
    const { c, made, k } = await kioskInCampaign(backend)
    expect(k.frames.map((f) => f.type)).toEqual(['welcome', 'campaign', 'screens'])
    const [campaign] = k.frames.filter((f) => f.type === 'campaign')
    const [first] = screensOf(k.frames)
    if (campaign?.type !== 'campaign' || first === undefined) throw new Error('no frames')
    expect(JSON.stringify(campaign)).not.toContain(made.screenKey)
    expect(first).toEqual({
      type: 'screens',
      campaignId: made.id,
      version: campaign.version,
      screens: {
        wall: `/screen/${made.id}/wall?key=${made.screenKey}`,
        draw: `/screen/${made.id}/draw?key=${made.screenKey}`,
      },
    })
    expect(screenPathsSchema.safeParse(first.screens).success).toBe(true)

    const rotated = await c.call('POST', `/console/api/campaigns/${made.id}/screen-key`, {})
    expect(rotated.status).toBe(200)
    const newKey = consoleCampaignSchema.parse(rotated.json).screenKey
    expect(newKey).not.toBe(made.screenKey)
    await k.waitFor((f) => f.type === 'screens', 2)
    const second = screensOf(k.frames)[1]
    expect(second?.version).toBeGreaterThan(first.version)
    expect(second?.screens.wall).toBe(`/screen/${made.id}/wall?key=${newKey}`)
    expect(second?.screens.draw).toBe(`/screen/${made.id}/draw?key=${newKey}`)
    // The old key reaches the kiosk nowhere in the new frames.
    expect(JSON.stringify(k.frames.slice(3))).not.toContain(made.screenKey)
  })

  it('sends no screens frame when the kiosk leaves the campaign', async () => {
    const { c, k } = await kioskInCampaign(backend)
    await assign(c, 'k1', null)
    await k.waitFor((f) => f.type === 'campaign', 2)
    expect(k.frames.map((f) => f.type)).toEqual(['welcome', 'campaign', 'screens', 'campaign'])
  })
})

describe('framing the screen pages', () => {
  it('lets the keyed page be framed (no frame-ancestors), and nothing else', async () => {
    const consoleDir = mkdtempSync(join(tmpdir(), 'screen-page-'))
    cleanups.push(() => rmSync(consoleDir, { recursive: true, force: true }))
    writeFileSync(join(consoleDir, 'screen.html'), '<!doctype html><title>screen</title>')
    const relay = await relayOn(placeFor('sqlite'), { consoleDir })
    const { campaign } = await screenSetup(relay)
    const get = async (path: string) => {
      const res = await fetch(`${relay.url}${path}`)
      await res.text()
      return res
    }
    for (const kind of ['page-wall', 'page-draw'] as const) {
      const page = await get(screenPath(kind, campaign.id, campaign.screenKey))
      expect(page.status).toBe(200)
      const csp = page.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('frame-ancestors')
      expect(page.headers.get('x-frame-options')).toBeNull()
    }
    // A refused page (wrong key), the API and the event stream stay unframeable.
    const refused = await get(screenPath('page-wall', campaign.id, 'k'.repeat(43)))
    expect(refused.status).toBe(403)
    const api = await get(screenPath('wall', campaign.id, campaign.screenKey))
    expect(api.status).toBe(200)
    for (const res of [refused, api]) {
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    }
  })
})

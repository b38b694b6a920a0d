/**
 * Test helpers for relay campaigns: a valid campaign body, a signed-in console on a relay of
 * either store, and assigning a kiosk to a campaign through the console API.
 */
import type { CampaignInput } from '../../shared/campaign'
import { consoleCampaignSchema, type ConsoleCampaign } from '../../shared/campaign'
import { expect } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { ConsoleClient, organizer } from './console-helpers'

export function campaignBody(over: Partial<CampaignInput> = {}): CampaignInput {
  const g = { first: '欢迎 {number}', returning: '欢迎回来 {number}', named: '你好 {name}' }
  return {
    name: '春季展',
    startsAt: '2026-05-01',
    endsAt: '2026-05-03',
    rotationSeconds: 60,
    ticketTtlSeconds: 600,
    mode: 'booth',
    greetings: {
      'zh-CN': g,
      en: { first: 'Welcome {number}', returning: 'Welcome back {number}', named: 'Hi {name}' },
    },
    reply: { subscribe: '感谢关注', scan: '欢迎光临' },
    tag: null,
    followUp: null,
    stamps: [],
    ...over,
  }
}

export async function signIn(relay: RelayHandle, name = 'alice'): Promise<ConsoleClient> {
  const c = new ConsoleClient(relay.url)
  const password = await organizer(relay, name)
  expect((await c.login(name, password)).status).toBe(200)
  return c
}

export async function createCampaign(
  c: ConsoleClient,
  over: Partial<CampaignInput> = {},
): Promise<ConsoleCampaign> {
  const a = await c.call('POST', '/console/api/campaigns', campaignBody(over))
  expect(a.status, a.text).toBe(201)
  return consoleCampaignSchema.parse(a.json)
}

export async function assign(
  c: ConsoleClient,
  kioskId: string,
  campaignId: string | null,
): Promise<void> {
  const a = await c.call('PUT', `/console/api/kiosks/${kioskId}`, { campaignId })
  expect(a.status, a.text).toBe(200)
}

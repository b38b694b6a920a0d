/**
 * Test helpers for relay campaigns: one Redis per test file and relays cleaned up after each
 * test, a valid campaign body, a signed-in console on a relay of either store, and assigning a
 * kiosk to a campaign through the console API.
 */
import type { CampaignInput } from '../../shared/campaign'
import { consoleCampaignSchema, type ConsoleCampaign } from '../../shared/campaign'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { RelayConfigInput, RelayHandle, StartRelayOptions } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { ConsoleClient, newPlace, organizer, startOn, type Place } from './console-helpers'
import type { Backend } from './harness'

export interface RelayTestBed {
  /** Run (last first) after each test: relays, places, clients. */
  cleanups: Array<() => Promise<unknown> | void>
  /** A fresh store of that kind (SQLite in a temp dir, or a key prefix on the file's Redis). */
  placeFor: (backend: Backend) => Place
  /** A relay on that store, closed after the test. */
  relayOn: (
    place: Place,
    config?: RelayConfigInput,
    opts?: StartRelayOptions,
  ) => Promise<RelayHandle>
  /** Kiosk k1 on a relay of that store, assigned a new campaign by a signed-in organizer. */
  k1InCampaign: (backend: Backend) => Promise<{
    relay: RelayHandle
    token: string
    c: ConsoleClient
    made: ConsoleCampaign
  }>
}

/** Call at a test file's top level: starts one Redis for the file and cleans up after each test. */
export function relayTestBed(): RelayTestBed {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis.stop())
  const cleanups: RelayTestBed['cleanups'] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const placeFor: RelayTestBed['placeFor'] = (backend) => {
    const p = newPlace(backend, redis.url)
    cleanups.push(() => p.remove())
    return p
  }
  const relayOn: RelayTestBed['relayOn'] = async (place, config = {}, opts = {}) => {
    const relay = await startOn(place, opts, config)
    cleanups.push(() => relay.close())
    return relay
  }
  const k1InCampaign: RelayTestBed['k1InCampaign'] = async (backend) => {
    const relay = await relayOn(placeFor(backend))
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    const made = await createCampaign(c)
    await assign(c, 'k1', made.id)
    return { relay, token, c, made }
  }
  return { cleanups, placeFor, relayOn, k1InCampaign }
}

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

/** A roster CSV of `rows` guests with Chinese headers (name, company, phone, code), as organizers export them. */
export function guestRosterCsv(rows: number): string {
  const lines = ['姓名,公司,手机,编号']
  for (let i = 0; i < rows; i++)
    lines.push(`来宾${i},公司${i % 97},1380000${String(i).padStart(4, '0')},R${i}`)
  return lines.join('\n')
}

/** Polls `pred` every 20 ms; throws naming `what` after `timeoutMs`. */
export async function until(pred: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

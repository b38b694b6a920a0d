// A route that fails after its answer's headers went out cannot answer 500 any more: the relay
// ends the connection, so the client sees a broken download at once instead of waiting on an
// answer that never ends. The fault is injected into the winners sheet's writer (the draws'
// export writes its headers before the sheet).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { relayTestBed, createCampaign, signIn } from './campaign-helpers'
import { checkIn, visitors } from './draws-helpers'
import { drawAnswerSchema } from '../../shared/screen-api'
import type * as Sinks from '../../shared/export/sinks'

const failWrites = vi.hoisted(() => ({ on: false }))

vi.mock('../../shared/export/sinks', async (importOriginal) => {
  const real = await importOriginal<typeof Sinks>()
  return {
    ...real,
    csvSink: (...args: Parameters<typeof real.csvSink>) => {
      const sink = real.csvSink(...args)
      if (!failWrites.on) return sink
      return {
        ...sink,
        write: () => Promise.reject(new Error('sheet writer failed')),
      }
    },
  }
})

const bed = relayTestBed()

afterEach(() => {
  failWrites.on = false
})

/**
 * GET with the session's cookie: how the answer ended within `ms` (the headers may not have
 * left the relay before the failure: Node sends them with the first bytes of the body).
 */
async function download(
  url: string,
  cookie: string,
  ms: number,
): Promise<'complete' | 'broken' | 'hanging'> {
  const abort = new AbortController()
  const answer = fetch(url, { headers: { cookie }, signal: abort.signal }).then(async (res) => {
    await res.text()
    return res.status === 200 ? ('complete' as const) : ('broken' as const)
  })
  let timer: NodeJS.Timeout | undefined
  const hanging = new Promise<'hanging'>((resolve) => {
    timer = setTimeout(() => resolve('hanging'), ms)
  })
  const ended = await Promise.race([answer.catch(() => 'broken' as const), hanging])
  clearTimeout(timer)
  abort.abort()
  return ended
}

describe('a route that fails after its headers went out', () => {
  it('ends the connection (a broken download), and the relay keeps answering', async () => {
    const relay = await bed.relayOn(bed.placeFor('sqlite'))
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await checkIn(relay.store, campaign.id, visitors(3))
    const made = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
      prize: '一等奖',
      count: 2,
      excludeWinners: false,
    })
    expect(made.status, made.text).toBe(201)
    const draw = drawAnswerSchema.parse(made.json)
    const url = `${relay.url}/console/api/campaigns/${campaign.id}/draws/${draw.id}/winners?format=csv&locale=zh-CN`
    const cookie = c.cookie ?? ''

    expect(await download(url, cookie, 5_000)).toBe('complete')
    failWrites.on = true
    expect(await download(url, cookie, 5_000)).toBe('broken')
    failWrites.on = false
    expect(await download(url, cookie, 5_000)).toBe('complete')
  })
})

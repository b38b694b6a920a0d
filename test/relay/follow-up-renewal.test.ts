/**
 * The lease heartbeat's two other answers, on each store (follow-up-heartbeat tests a renewal
 * that succeeds): one round of a follow-up worker whose store answers the first renewal made
 * while a WeChat call is in flight with "taken by another owner" (false, and so on after), or
 * with a store error (thrown once). Taken: the calls in flight finish and their results are
 * recorded, and no further batch (of texts or of tags) is claimed. Store error: logged, and the
 * round carries on to every batch (the renewal before the next batch decides, and it succeeds).
 */
import { describe, expect, it, vi } from 'vitest'
import type { FollowUpWorkerOptions } from '../../relay/follow-up/worker'
import type { FollowUpStore } from '../../relay/store/follow-up-types'
import type { RelayStore } from '../../relay/store/types'
import type { LogFields, Logger } from '../../shared/server/log'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import {
  boothCodes,
  extraWorker,
  followUpSandbox,
  SlowSandboxClient,
  report,
  scanAll,
  visitors,
  wechatOf,
} from './follow-up-helpers'
import { UNDER_LOAD } from '../helpers/wait'

const bed = relayTestBed()
const LATENCY_MS = 150
/** Renewals every 40 ms: several while one WeChat call (LATENCY_MS) is in flight. */
const TUNING = { leaseTtlMs: 10_000, leaseRenewMs: 40, backoffMs: 100, maxBackoffMs: 400 }

/** `target[prop]`, a method bound to `target` (a class's methods read its private fields). */
function forward(target: object, prop: string | symbol): unknown {
  const v: unknown = Reflect.get(target, prop, target)
  return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v
}

type Renewal = 'taken' | 'store-error' | 'store-down'

/**
 * The real store, its `followUp.lease` answering the first call made while a batch call is in
 * flight (necessarily a heartbeat renewal: the worker renews before a batch only between them)
 * as `renewal` says: `taken` answers false from then on, `store-error` throws that once;
 * `store-down` throws on every call.
 */
function leaseTurning(store: RelayStore, client: SlowSandboxClient, renewal: Renewal) {
  const seen = { turnedWhileInFlight: 0, leaseCalls: 0 }
  let turned = false
  const followUp = new Proxy(store.followUp, {
    get(target, prop) {
      if (prop === 'lease') {
        const lease: FollowUpStore['lease'] = async (owner, now, ttlMs) => {
          seen.leaseCalls++
          if (renewal === 'store-down') throw new Error('store unreachable (test)')
          if (!turned && client.inFlight > 0) {
            turned = true
            seen.turnedWhileInFlight = client.inFlight
            if (renewal === 'store-error') throw new Error('store unreachable (test)')
            return false
          }
          if (turned && renewal === 'taken') return false
          return target.lease(owner, now, ttlMs)
        }
        return lease
      }
      return forward(target, prop)
    },
  })
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'followUp') return followUp
      return forward(target, prop)
    },
  })
  return { store: wrapped, seen }
}

/** The warning and error lines' messages, and the lines with their fields. */
function recordingLogger(): { log: Logger; warnings: string[]; lines: LoggedLine[] } {
  const warnings: string[] = []
  const lines: LoggedLine[] = []
  const keep = (msg: string, fields: LogFields = {}): void => {
    warnings.push(msg)
    lines.push({ msg, fields })
  }
  const log: Logger = { debug: () => {}, info: () => {}, warn: keep, error: keep }
  return { log, warnings, lines }
}

interface LoggedLine {
  msg: string
  fields: LogFields
}

/**
 * A relay with no WeChat credentials (so it runs no worker of its own), a campaign on one
 * booth, `n` visitors scanned and stored, and a worker (not started: the test runs its rounds)
 * on the relay's store wrapped by `leaseTurning`.
 */
async function setUp(
  backend: 'sqlite' | 'redis',
  campaign: { followUp?: string; tag?: string },
  n: number,
  renewal: Renewal,
  tuning: Partial<FollowUpWorkerOptions> = {},
) {
  const sandbox = await followUpSandbox()
  bed.cleanups.push(() => sandbox.close())
  const relay = await bed.relayOn(bed.placeFor(backend), {
    wechat: wechatOf(sandbox, false),
    followUp: { batchWindowMs: 0 },
  })
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const c = await signIn(relay)
  const created = await createCampaign(c, campaign)
  await relay.addKiosk('booth-a')
  await assign(c, 'booth-a', created.id)
  const codes = await boothCodes(sandbox, ['booth-a'])
  await scanAll(sandbox, codes, visitors(n))
  sandbox.setFaults({ latencyMs: LATENCY_MS })
  const client = new SlowSandboxClient(sandbox)
  const { store, seen } = leaseTurning(relay.store, client, renewal)
  const { log, warnings, lines } = recordingLogger()
  const worker = extraWorker(store, client, { log, batchWindowMs: 0, ...TUNING, ...tuning })
  bed.cleanups.push(() => worker.stop())
  const counts = async () => (await report(c, created.id)).counts
  return { worker, seen, warnings, lines, counts }
}

describe.each(['sqlite', 'redis'] as const)('follow-up lease renewal on %s', (backend) => {
  it('taken mid-batch of texts: the batch in flight is sent and recorded, no other is claimed', async () => {
    const t = await setUp(backend, { followUp: 'hi {number}' }, 60, 'taken')
    await t.worker.round()

    expect(t.seen.turnedWhileInFlight).toBeGreaterThan(0)
    expect(t.warnings).toContain('follow-up: lease lost mid-round; finishing the calls in flight')
    // One chunk of 20 (MESSAGES_PER_WRITE) was claimed before the renewal; all of it was sent
    // and recorded sent (none left `sending`, which the next holder would call "maybe sent").
    expect(t.worker.stats.messageCalls).toBe(20)
    expect(await t.counts()).toMatchObject({ sent: 20, messagePending: 40, messageFailed: 0 })
    // A later round finds the lease taken: still nothing more claimed.
    await t.worker.round()
    expect(t.worker.stats.messageCalls).toBe(20)
    expect(await t.counts()).toMatchObject({ sent: 20, messagePending: 40, messageFailed: 0 })
  }, 30_000)

  it('taken mid-batch of tags: the batch in flight is recorded tagged, the next is not called', async () => {
    const t = await setUp(backend, { tag: 'vip' }, 60, 'taken')
    await t.worker.round()

    expect(t.seen.turnedWhileInFlight).toBe(1)
    expect(t.warnings).toContain('follow-up: lease lost mid-round; finishing the calls in flight')
    // 60 visitors are two batches (50 + 10); the renewal came during the first call.
    expect(t.worker.stats.taggingCalls).toBe(1)
    expect(await t.counts()).toMatchObject({ tagged: 50, pending: 10, failed: 0 })
  }, 30_000)

  // A round every 200 ms while the store was away wrote a warning each (18,000 an hour per
  // instance), saying nothing of what it meant for the visitors' texts and tags.
  it('rounds failing while the store is away are logged once a minute with a count, saying what waits', async () => {
    let clock = Date.now()
    const t = await setUp(backend, { followUp: 'hi {number}' }, 1, 'store-down', {
      tickMs: 1,
      now: () => clock,
    })
    t.worker.start()
    await vi.waitFor(() => expect(t.seen.leaseCalls).toBeGreaterThanOrEqual(20), UNDER_LOAD)
    clock += 60_000
    const before = t.seen.leaseCalls
    await vi.waitFor(() => expect(t.seen.leaseCalls).toBeGreaterThan(before), UNDER_LOAD)
    await t.worker.stop()
    const failed = t.lines.filter((l) => l.msg === 'follow-up round failed')
    expect(failed).toHaveLength(2)
    expect(failed[0]?.fields).toMatchObject({ error: 'store unreachable (test)' })
    expect(String(failed[0]?.fields.action)).toMatch(/wait.*\/healthz/)
    expect(Number(failed[1]?.fields.unlogged)).toBeGreaterThanOrEqual(19)
  }, 30_000)

  it('a renewal failing with a store error is logged and the round carries on', async () => {
    const t = await setUp(backend, { followUp: 'hi {number}' }, 60, 'store-error')
    await t.worker.round()

    expect(t.seen.turnedWhileInFlight).toBeGreaterThan(0)
    expect(t.warnings).toContain('follow-up lease renewal failed')
    const renewal = t.lines.find((l) => l.msg === 'follow-up lease renewal failed')
    expect(String(renewal?.fields.action)).toMatch(/carries on/)
    expect(t.warnings).not.toContain(
      'follow-up: lease lost mid-round; finishing the calls in flight',
    )
    // All three chunks of 20 in this one round: the error did not end it, and the renewals
    // before the next chunks (the real store's answers) kept it going.
    expect(t.worker.stats.messageCalls).toBe(60)
    expect(await t.counts()).toMatchObject({ sent: 60, messagePending: 0, messageFailed: 0 })
  }, 30_000)
})

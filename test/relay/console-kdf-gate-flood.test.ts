// The scrypt gate under a sign-in flood: a known browser's sign-in (a valid device cookie) waits
// in a queue of its own, served first, so an attacker with many addresses keeping the gate full
// cannot make the organizer's sign-in "busy"; and one client address (an IPv6 /64) holds only a
// few places, so a few addresses cannot fill the ordinary queue. Gate unit, then both stores.
import { describe, expect, it } from 'vitest'
import { KdfGate } from '../../relay/console/passwords'
import type { RelayHandle } from '../../relay/server'
import {
  Clock,
  ConsoleClient,
  consoleTestBed,
  errorCode,
  organizer,
  startOn,
} from './console-helpers'
import type { Backend } from './harness'

/** A job that runs until released; what ran, in order. */
function jobs(gate: KdfGate) {
  const order: string[] = []
  const releases: Array<() => void> = []
  const run = (label: string, opts?: { client?: string; priority?: boolean }) =>
    gate.run(async () => {
      order.push(label)
      await new Promise<void>((r) => releases.push(r))
      return label
    }, opts)
  const drain = async () => {
    for (let i = 0; i < 100 && releases.length > 0; i++) {
      releases.shift()?.()
      await new Promise((r) => setTimeout(r, 1))
    }
  }
  return { order, run, drain, releases }
}

describe('KdfGate priority and per-client share', () => {
  it('a known browser is not turned away by a full queue, and runs before those waiting', async () => {
    const gate = new KdfGate({ concurrency: 1, maxWaiting: 2, maxPriorityWaiting: 2 })
    const { order, run, drain } = jobs(gate)
    const flood = ['a', 'b', 'c', 'd'].map((l) => run(l, { client: `10.0.0.${l}` }))
    // 1 running, 2 waiting, the 4th busy at once.
    expect(await flood[3]).toBeNull()
    const known = run('known', { client: '10.0.0.a', priority: true })
    await drain()
    expect(await known).toBe('known')
    expect(order).toEqual(['a', 'known', 'b', 'c'])
    // Its own queue is bounded too.
    const g2 = jobs(new KdfGate({ concurrency: 1, maxWaiting: 1, maxPriorityWaiting: 1 }))
    const held = g2.run('x')
    const p1 = g2.run('p1', { priority: true })
    expect(await g2.run('p2', { priority: true })).toBeNull()
    await g2.drain()
    expect([await held, await p1]).toEqual(['x', 'p1'])
  })

  it('one client holds at most its share, running or waiting; freed as its checks end', async () => {
    const gate = new KdfGate({ concurrency: 1, maxWaiting: 8, maxPerClient: 2 })
    const { run, drain, releases } = jobs(gate)
    const mine = [run('m1', { client: 'c' }), run('m2', { client: 'c' })]
    expect(await run('m3', { client: 'c' })).toBeNull()
    const other = run('o1', { client: 'd' })
    // A known browser at the same address is not counted against it.
    const known = run('k', { client: 'c', priority: true })
    releases.shift()?.()
    expect(await mine[0]).toBe('m1')
    const again = run('m4', { client: 'c' })
    await drain()
    expect(await Promise.all([mine[1], other, known, again])).toEqual(['m2', 'o1', 'k', 'm4'])
  })
})

const bed = consoleTestBed({ leakCheck: false })
const cleanups = bed.cleanups

/** What the gate's checks wait for: open, or closed (the gate stays full) until opened. */
class Hold {
  private held: Promise<void> = Promise.resolve()
  private release: () => void = () => {}
  readonly wait = (): Promise<void> => this.held
  close(): void {
    this.held = new Promise<void>((r) => (this.release = r))
  }
  open(): void {
    this.release()
    this.held = Promise.resolve()
  }
}

/** A relay with a small gate whose checks wait while `hold` is closed. */
async function relayOn(backend: Backend, clock: Clock, hold: Hold): Promise<RelayHandle> {
  const p = bed.place(backend)
  const relay = await startOn(
    p,
    {
      now: clock.now,
      consoleKdf: { concurrency: 1, maxWaiting: 4, maxPerClient: 2, holdSlot: hold.wait },
    },
    { trustProxyHops: 1 },
  )
  cleanups.push(() => relay.close())
  cleanups.push(() => hold.open())
  return relay
}

/**
 * `count` wrong sign-ins at made-up names at once, from `address(k)`, while `hold` keeps the
 * gate full; resolves once `busy` of them were turned away "busy".
 */
async function flood(
  relay: RelayHandle,
  count: number,
  busy: number,
  address: (k: number) => string,
): Promise<Array<Promise<number>>> {
  let turnedAway = 0
  let enough: () => void = () => {}
  const seen = new Promise<void>((r) => (enough = r))
  const answers = Array.from({ length: count }, async (_, k) => {
    const a = await new ConsoleClient(relay.url).call(
      'POST',
      '/console/api/login',
      { name: `x${k}`, password: 'guess' },
      { 'x-forwarded-for': address(k) },
    )
    if (a.status === 429 && errorCode(a) === 'rate_limited' && ++turnedAway >= busy) enough()
    return a.status
  })
  await seen
  return answers
}

/** Alice's sign-in from `address`; the gate opens once it was answered or had time to queue. */
async function signIn(c: ConsoleClient, password: string, address: string, hold: Hold) {
  const answer = c.call(
    'POST',
    '/console/api/login',
    { name: 'alice', password },
    { 'x-forwarded-for': address },
  )
  await Promise.race([answer, new Promise((r) => setTimeout(r, 500))])
  hold.open()
  return answer
}

describe.each(['sqlite', 'redis'] as const)('a flooded sign-in gate (%s store)', (backend) => {
  it('still serves the organizer’s known browser', async () => {
    const clock = new Clock()
    const hold = new Hold()
    const relay = await relayOn(backend, clock, hold)
    const password = await organizer(relay, 'alice', clock.t)
    const known = new ConsoleClient(relay.url)
    expect((await signIn(known, password, '203.0.113.9', hold)).status).toBe(200)
    // Many addresses, one request each: 1 checking, 4 waiting, the other 3 "busy".
    hold.close()
    const attack = await flood(relay, 8, 3, (k) => `198.51.100.${k + 1}`)
    const a = await signIn(known, password, '203.0.113.9', hold)
    expect(a.status, a.text).toBe(200)
    // The flood's own checks go on once the gate opens.
    expect((await Promise.all(attack)).sort()).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
  })

  it('one /64 cannot fill the queue: a stranger’s browser elsewhere still signs in', async () => {
    const clock = new Clock()
    const hold = new Hold()
    const relay = await relayOn(backend, clock, hold)
    const password = await organizer(relay, 'alice', clock.t)
    hold.close()
    // Every address of one /64 is one client to the gate: it holds 2 places, the rest "busy".
    const attack = await flood(relay, 8, 3, (k) => `2001:db8:1:2::${(k + 1).toString(16)}`)
    const a = await signIn(new ConsoleClient(relay.url), password, '203.0.113.10', hold)
    expect(a.status, a.text).toBe(200)
    expect((await Promise.all(attack)).filter((s) => s === 401)).toHaveLength(2)
  })
})

describe.each(['sqlite', 'redis'] as const)(
  'sign-ins the gate turns away (%s store)',
  (backend) => {
    it('count neither for nor against the name’s lockout: load alone cannot lock it', async () => {
      const clock = new Clock()
      const hold = new Hold()
      const relay = await relayOn(backend, clock, hold)
      const password = await organizer(relay, 'alice', clock.t)
      const from = (c: ConsoleClient, pw: string, address: string) =>
        c.call(
          'POST',
          '/console/api/login',
          { name: 'alice', password: pw },
          { 'x-forwarded-for': address },
        )
      // Wrong guesses at alice from 12 addresses while the gate is full: 5 get a check (1 running,
      // 4 waiting: the name's 5 free attempts), the other 7 are turned away before any check.
      hold.close()
      let answered = 0
      let enough: () => void = () => {}
      const sevenAnswered = new Promise<void>((r) => (enough = r))
      const flood = Array.from({ length: 12 }, async (_, k) => {
        const a = await from(new ConsoleClient(relay.url), 'guess', `198.51.100.${k + 1}`)
        if (++answered === 7) enough()
        return `${a.status} ${errorCode(a)}`
      })
      await sevenAnswered
      hold.open()
      // The 5 checked are refused; the 7 others are turned away, "busy" (or locked_out, for one
      // that came in the moment between another's count and its refusal: the delay that one
      // earned lasts until it is taken back).
      const answers = (await Promise.all(flood)).sort()
      expect(answers.slice(0, 5)).toEqual(Array<string>(5).fill('401 unauthorized'))
      expect(answers.slice(5).every((a) => a.startsWith('429 '))).toBe(true)
      expect(answers).toContain('429 rate_limited')
      // Before: the ones turned away counted too (the name locked out for a minute, though no
      // password past the 5th was checked). Now only the 5 checked count, and a refusal resets
      // nothing: the next wrong one is the 6th, checked (401) and earning 1 s, during which the
      // next is locked out.
      const c = new ConsoleClient(relay.url)
      expect((await from(c, 'guess', '203.0.113.1')).status).toBe(401)
      const locked = await from(c, password, '203.0.113.2')
      expect([locked.status, errorCode(locked)]).toEqual([429, 'locked_out'])
      clock.advance(1000)
      expect((await from(c, password, '203.0.113.2')).status).toBe(200)
    })
  },
)

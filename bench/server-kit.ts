/**
 * The server kit's route table (shared/server/routes.ts) against the hand-written routing it
 * replaced, on the relay's and web mode's paths: dispatches per second of CPU, one thread,
 * no HTTP (the whole push over HTTP is e2e's relay-cpu figure). Both take turns in short slices
 * so that load from other processes falls on both alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Router } from '../shared/server/routes'
import { ratio, round, type Results } from './result'

type Dispatch = (method: string, url: URL) => number

/** Every route's handler: counts, so neither contestant's work can be optimised away. */
let hits = 0
const noop = (): void => {
  hits++
}
const found = (): number => {
  noop()
  return hits
}
const res = { setHeader: () => {} } as unknown as ServerResponse

/** The relay's and web mode's routes in the kit's table. */
function kit(): Dispatch {
  const router = new Router({ notFound: () => {}, methodNotAllowed: () => {} })
    .add(['GET', 'POST'], '/wechat', noop)
    .add('POST', '/api/tickets', noop)
    .add('POST', '/api/fallback-code', noop)
    .add('GET', '/healthz', noop)
    .add('GET', '/metrics', noop)
    .add('POST', '/api/call/:name', noop, { name: /^[A-Za-z]{1,64}$/ })
    .add('GET', '/api/events', noop)
    .add('GET', '/api/exports/:id', noop, { id: /^[\w-]{1,64}$/ })
  return (method, url) => {
    void router.handle({ method } as IncomingMessage, res, url)
    return hits
  }
}

/** What the relay and web mode did before: an if-chain on the path, regexes for params. */
function handWritten(): Dispatch {
  return (method, url) => {
    const p = url.pathname
    if (p === '/wechat') return found()
    if (p === '/api/tickets') return found()
    if (p === '/api/fallback-code') return found()
    if (method === 'GET' && p === '/healthz') return found()
    if (method === 'GET' && p === '/metrics') return found()
    const call = /^\/api\/call\/([A-Za-z]{1,64})$/.exec(p)
    if (call?.[1] !== undefined && method === 'POST') return found()
    if (p === '/api/events' && method === 'GET') return found()
    const dl = /^\/api\/exports\/([\w-]{1,64})$/.exec(p)
    if (dl?.[1] !== undefined && method === 'GET') return found()
    return 0
  }
}

function race(
  contestants: ReadonlyMap<string, Dispatch>,
  method: string,
  url: URL,
  budgetMs: number,
): Map<string, number> {
  const tallies = new Map([...contestants.keys()].map((k) => [k, { done: 0, cpuUs: 0 }]))
  for (const fn of contestants.values()) for (let i = 0; i < 50_000; i++) fn(method, url)
  const rounds = 10
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of contestants) {
      const t = tallies.get(name)!
      const start = process.cpuUsage()
      const until = performance.now() + budgetMs / rounds / contestants.size
      while (performance.now() < until) {
        for (let i = 0; i < 1000; i++) fn(method, url)
        t.done += 1000
      }
      const used = process.cpuUsage(start)
      t.cpuUs += used.user + used.system
    }
  }
  return new Map([...tallies].map(([k, t]) => [k, t.done / (t.cpuUs / 1e6)]))
}

export function benchServerKit(quick: boolean): Promise<Results> {
  const budget = quick ? 600 : 2000
  const contestants = new Map([
    ['kit', kit()],
    ['hand-written', handWritten()],
  ])
  const results: Results = {}
  const paths: [string, string, string][] = [
    ['push', 'POST', 'http://relay.invalid/wechat?signature=x&timestamp=1&nonce=2'],
    ['web-call', 'POST', 'http://127.0.0.1/api/call/getScreenState'],
  ]
  for (const [name, method, href] of paths) {
    const rates = race(contestants, method, new URL(href), budget)
    const own = rates.get('kit') ?? NaN
    const floor = rates.get('hand-written') ?? NaN
    results[`kit.route.${name}`] = {
      value: round(own / 1e6, 2),
      unit: 'M dispatches/s/core',
      compare: { against: 'hand-written if-chain', ratio: ratio(own, floor) },
    }
  }
  return Promise.resolve(results)
}

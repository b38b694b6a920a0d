/**
 * Drives a relay with `PushFuzzer` cases and checks the oracle after each answer: never 5xx,
 * never a hang, 200 only where a request could be valid, and nothing stored on a refusal.
 */
import { Agent, request } from 'node:http'
import { startRelay, type RelayHandle } from '../../relay/server'
import { FUZZ_AES_KEY, FUZZ_APP_ID, FUZZ_KIOSK, FUZZ_TOKEN, PushFuzzer } from './push-fuzz-gen'
import type { FuzzCase } from './push-fuzz-gen'

export interface FuzzReport {
  requests: number
  byStatus: Record<string, number>
  byKind: Record<string, number>
  stored: number
  failures: string[]
  heapSamplesMb: number[]
}

export async function startFuzzRelay(data = ':memory:'): Promise<RelayHandle> {
  const relay = await startRelay(
    {
      port: 0,
      data,
      wechat: {
        token: FUZZ_TOKEN,
        encodingAESKey: FUZZ_AES_KEY,
        appId: FUZZ_APP_ID,
        mode: 'compat',
      },
    },
    { shutdownGraceMs: 500 },
  )
  await relay.addKiosk(FUZZ_KIOSK)
  return relay
}

function send(
  agent: Agent,
  port: number,
  c: FuzzCase,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-length': c.body.length }
    if (c.contentType !== '') headers['content-type'] = c.contentType
    const req = request(
      { host: '127.0.0.1', port, path: c.path, method: c.method, agent, headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (d: Buffer) => chunks.push(d))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)))
    // A 413 may close the socket before the whole body is written: that is an answer too.
    req.on('error', reject)
    req.end(c.body)
  })
}

async function storedCount(relay: RelayHandle): Promise<number> {
  const q = await relay.store.queueState(FUZZ_KIOSK)
  return (q?.headSeq ?? 0) + (await relay.store.countUnrouted())
}

export async function runPushFuzz(
  relay: RelayHandle,
  o: { seed: number; requests: number; concurrency?: number; onProgress?: (n: number) => void },
): Promise<FuzzReport> {
  const fuzzer = new PushFuzzer(o.seed)
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency ?? 4 })
  const report: FuzzReport = {
    requests: 0,
    byStatus: {},
    byKind: {},
    stored: 0,
    failures: [],
    heapSamplesMb: [],
  }
  const fail = (c: FuzzCase, why: string) => {
    if (report.failures.length < 20)
      report.failures.push(`${c.kind} ${c.path.slice(0, 80)}: ${why}`)
  }
  // Batches of `concurrency`; the stored count is compared around each batch, so a refusal
  // in a batch with no 200 must leave the count where it was.
  const batch = o.concurrency ?? 4
  try {
    while (report.requests < o.requests) {
      const cases = Array.from({ length: Math.min(batch, o.requests - report.requests) }, () =>
        fuzzer.next(),
      )
      const before = await storedCount(relay)
      const answers = await Promise.all(
        cases.map((c) =>
          send(agent, relay.port, c, 10_000).catch((err: unknown) => ({
            status: -1,
            body: err instanceof Error ? err.message : String(err),
          })),
        ),
      )
      let oks = 0
      answers.forEach((a, i) => {
        const c = cases[i]
        if (c === undefined) return
        report.byStatus[a.status] = (report.byStatus[a.status] ?? 0) + 1
        report.byKind[`${c.kind}:${a.status}`] = (report.byKind[`${c.kind}:${a.status}`] ?? 0) + 1
        if (a.status === 200) oks++
        if (a.status === -1 && !(c.kind === 'oversize' && /EPIPE|ECONNRESET/.test(a.body))) {
          fail(c, `transport: ${a.body}`)
        }
        if (a.status >= 500) fail(c, `server error ${a.status}`)
        if (a.status === 200 && !c.mayStore) fail(c, 'accepted a request that must be refused')
        if (a.status > 0 && a.status !== 200 && (a.status < 400 || a.status >= 500)) {
          fail(c, `unexpected status ${a.status}`)
        }
      })
      const after = await storedCount(relay)
      if (after - before > oks) {
        fail(cases[0] ?? fuzzer.next(), `stored ${after - before} events for ${oks} answers 200`)
      }
      report.stored = after
      report.requests += cases.length
      if (report.requests % 10_000 < batch) {
        report.heapSamplesMb.push(Math.round(process.memoryUsage().heapUsed / 1e5) / 10)
        o.onProgress?.(report.requests)
      }
    }
  } finally {
    agent.destroy()
  }
  return report
}

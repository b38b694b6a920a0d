/**
 * A script run, then `WAIT <replicas> <timeoutMs>` on the same connection, so a push is
 * answered 200 only once its write reached that many replicas: a replica promoted after the
 * answer (a failover, forced or not) has it. Both go in one pipeline, which the Cluster client
 * sends to the master of the script's slot: a separate WAIT could reach another node, or the
 * slot's new master, whose connection wrote nothing and so would answer at once.
 */
import type { RedisClient } from './connect'
import { isNoScript, shaOf } from './run-script'

export interface WaitPolicy {
  replicas: number
  timeoutMs: number
}

/** Errors that mean "not this node, or not now" (a failover under way): nothing was written. */
const REDIRECT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY)\b/
/** How long a push keeps retrying through a failover: well inside WeChat's 5 s. */
const RETRY_FOR_MS = 3000
const RETRY_EVERY_MS = 100

export class NotReplicatedError extends Error {
  constructor(
    readonly acked: number,
    readonly wanted: number,
  ) {
    super(`write reached ${acked} of ${wanted} replicas in time`)
    this.name = 'NotReplicatedError'
  }
}

export async function evalReplicated(
  client: RedisClient,
  wait: WaitPolicy,
  script: string,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  const deadline = Date.now() + RETRY_FOR_MS
  // By SHA first (run-script.ts); a node without the script refuses before running it.
  let bySha = true
  for (;;) {
    const p = client.pipeline()
    if (bySha) p.evalsha(shaOf(script), keys.length, ...keys, ...args)
    else p.eval(script, keys.length, ...keys, ...args)
    const replies = await p.call('WAIT', wait.replicas, wait.timeoutMs).exec()
    const [[evalErr, result] = [], [waitErr, acked] = []] = replies ?? []
    if (evalErr && bySha && isNoScript(evalErr)) {
      bySha = false
      continue
    }
    if (evalErr) {
      if (!REDIRECT.test(evalErr.message) || Date.now() >= deadline) throw evalErr
      if ('refreshSlotsCache' in client) client.refreshSlotsCache()
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS))
      continue
    }
    if (waitErr) throw waitErr
    const n = typeof acked === 'number' ? acked : 0
    if (n < wait.replicas) throw new NotReplicatedError(n, wait.replicas)
    return result
  }
}

/**
 * Wires the follow-up work into the relay: the worker (only with WeChat credentials) and the
 * console's `GET /campaigns/:id/follow-up` report (shared/follow-up-api.ts).
 */
import { campaignIdSchema } from '../../shared/campaign'
import {
  MAX_FOLLOW_UP_FAILURES,
  followUpReason,
  type FollowUpReport,
} from '../../shared/follow-up-api'
import { WechatClient } from '../../shared/wechat'
import type { CampaignDirectory } from '../campaign-directory'
import { hasWechatCredentials, type RelayConfig } from '../config'
import { sendConsoleError, type ConsoleRoute } from '../console/console-router'
import { sendJson } from '../http-util'
import type { Logger } from '../log'
import type { RelayStore } from '../store/types'
import { FollowUpWorker, type FollowUpWorkerOptions } from './worker'

export interface FollowUpSetup {
  worker: FollowUpWorker | null
  routes: ConsoleRoute[]
}

export function createFollowUp(opts: {
  config: RelayConfig
  store: RelayStore
  campaigns: CampaignDirectory
  log: Logger
  now: () => number
  metrics?: FollowUpWorkerOptions['metrics']
  tuning?: Partial<FollowUpWorkerOptions>
}): FollowUpSetup {
  const { config, store, campaigns, log, now } = opts
  const { appId, appSecret, apiBase } = config.wechat
  const worker = !hasWechatCredentials(config.wechat)
    ? null
    : new FollowUpWorker({
        store,
        campaigns,
        log,
        now,
        metrics: opts.metrics,
        // No in-call retries: the worker retries later, durably, with its own backoff.
        client: new WechatClient({
          appId,
          appSecret,
          apiBase,
          tokenStore: store.accessTokenStore(appId),
          busyRetries: 0,
          timeoutMs: 5000,
        }),
        batchWindowMs: config.followUp.batchWindowMs,
        windowMs: config.followUp.windowSeconds * 1000,
        ...opts.tuning,
      })

  const report: ConsoleRoute = {
    method: 'GET',
    path: '/campaigns/:id/follow-up',
    async handler({ res, params }) {
      // Validated before it names a store key (a Redis key must not get a brace).
      const parsed = campaignIdSchema.safeParse(params.id)
      const id = parsed.success ? parsed.data : ''
      const record = parsed.success ? await store.campaigns.getCampaign(id) : null
      if (record === null) {
        return sendConsoleError(res, 404, 'not_found', 'no such campaign')
      }
      const [counts, failures] = await Promise.all([
        store.followUp.counts(id),
        store.followUp.failures(id, MAX_FOLLOW_UP_FAILURES),
      ])
      const body: FollowUpReport = {
        campaignId: id,
        tag: record.campaign.tag,
        followUp: record.campaign.followUp !== null,
        counts,
        failures: failures.map((f) => ({ ...f, reason: followUpReason(f) })),
      }
      sendJson(res, 200, body)
    },
  }
  return { worker, routes: [report] }
}

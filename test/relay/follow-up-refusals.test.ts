/**
 * Account-wide refusals of the follow-up's WeChat calls, against the sandbox through a client
 * that answers chosen endpoints with an errcode: a batchtagging call refused for the account
 * (48001, the API not authorized) is not split in halves as if one visitor were the cause.
 */
import { describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/server'
import { WechatApiError, WechatClient } from '../../shared/wechat'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { startOn } from './console-helpers'
import {
  boothCodes,
  followUpSandbox,
  report,
  scanAll,
  visitors,
  waitFor,
  wechatOf,
} from './follow-up-helpers'

const bed = relayTestBed()
const FAST = { tickMs: 50, backoffMs: 100, maxBackoffMs: 400 }

/** The sandbox's client, but `path` answers `errcode` (and is counted) while `refusing`. */
class RefusingClient extends WechatClient {
  calls = 0
  refusing = true
  constructor(
    sandbox: Sandbox,
    private readonly path: string,
    private readonly errcode: number,
  ) {
    const o = sandbox.options
    super({ appId: o.appId, appSecret: o.appSecret, apiBase: sandbox.url })
  }

  override async callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (path === this.path) {
      this.calls++
      if (this.refusing) throw new WechatApiError(this.errcode, 'refused', path)
    }
    return super.callApi(method, path, body)
  }
}

async function boothWith(
  campaignFields: { tag?: string; followUp?: string },
  client: WechatClient,
  sandbox: Sandbox,
) {
  const relay = await startOn(
    bed.placeFor('sqlite'),
    { followUp: { ...FAST, client } },
    { wechat: wechatOf(sandbox), followUp: { batchWindowMs: 2000 } },
  )
  bed.cleanups.push(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const c = await signIn(relay)
  const campaign = await createCampaign(c, campaignFields)
  await relay.addKiosk('booth-a')
  await assign(c, 'booth-a', campaign.id)
  return { c, campaign, codes: await boothCodes(sandbox, ['booth-a']) }
}

describe('follow-up refused by WeChat for the whole account', () => {
  it('a batchtagging call refused with 48001 is not split visitor by visitor', async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    const client = new RefusingClient(sandbox, 'cgi-bin/tags/members/batchtagging', 48001)
    const { c, campaign, codes } = await boothWith({ tag: 'expo' }, client, sandbox)
    const openids = visitors(16)
    await scanAll(sandbox, codes, openids)
    await waitFor('all failed', async () => (await report(c, campaign.id)).counts.failed === 16)
    // One call for the batch: 48001 concerns the account, not one of the 16 (halving until
    // each visitor is alone made 31 calls, 99 for a full batch of 50).
    expect(client.calls).toBe(1)
    const r = await report(c, campaign.id)
    expect(r.failures).toHaveLength(16)
    expect(r.failures.every((f) => f.what === 'tag' && f.errcode === 48001)).toBe(true)
  })
})

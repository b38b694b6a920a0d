/**
 * A round's texts go before its tags: a text is due within the minute its scan opened, a tag
 * whenever. A backlog of tags (after WeChat refused tagging for a while) made every campaign's
 * texts wait behind the tagging calls of the campaigns listed before it, on both stores.
 */
import { describe, expect, it } from 'vitest'
import { WechatClient } from '../../shared/wechat'
import type { Sandbox } from '../../sandbox/server'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { startOn } from './console-helpers'
import {
  boothCodes,
  extraWorker,
  followUpSandbox,
  report,
  scanAll,
  SEND_PATH,
  TAG_PATH,
  visitors,
  wechatOf,
} from './follow-up-helpers'

const bed = relayTestBed()

/** The sandbox's client, noting the order of its texts and tagging calls. */
class OrderClient extends WechatClient {
  readonly calls: Array<'text' | 'tag'> = []
  constructor(sandbox: Sandbox) {
    const o = sandbox.options
    super({ appId: o.appId, appSecret: o.appSecret, apiBase: sandbox.url, busyRetries: 0 })
  }
  override async callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (path === SEND_PATH) this.calls.push('text')
    if (path === TAG_PATH) this.calls.push('tag')
    return super.callApi(method, path, body)
  }
}

describe.each(['sqlite', 'redis'] as const)('a follow-up round on %s', (backend) => {
  it("sends every campaign's due texts before it makes any tagging call", async () => {
    const sandbox = await followUpSandbox()
    bed.cleanups.push(() => sandbox.close())
    // No worker of the relay's own: the test drives one, round by round.
    const relay = await startOn(bed.placeFor(backend), {}, { wechat: wechatOf(sandbox, false) })
    bed.cleanups.push(() => relay.close())
    sandbox.setPushUrl(`${relay.url}/wechat`)
    const c = await signIn(relay)
    const ids: string[] = []
    for (const booth of ['booth-a', 'booth-b']) {
      const campaign = await createCampaign(c, { tag: `expo-${booth}`, followUp: '谢谢' })
      await relay.addKiosk(booth)
      await assign(c, booth, campaign.id)
      ids.push(campaign.id)
    }
    await scanAll(sandbox, await boothCodes(sandbox, ['booth-a', 'booth-b']), visitors(20))
    const client = new OrderClient(sandbox)
    // A second on: each booth's tagging batch has waited out its window (300 ms), and every
    // text is well inside its minute.
    const worker = extraWorker(relay.store, client, { now: () => Date.now() + 1000 })
    await worker.round()
    for (const id of ids) {
      expect((await report(c, id)).counts).toMatchObject({ sent: 10, tagged: 10 })
    }
    expect(client.calls.filter((x) => x === 'text')).toHaveLength(20)
    // Each tag waits for the texts, never a text for a tag.
    expect(client.calls.lastIndexOf('text')).toBeLessThan(client.calls.indexOf('tag'))
  })
})

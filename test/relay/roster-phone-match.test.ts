// A guest without a code is the same registration by name and phone whatever way the phone is
// written, on both stores: an upload with `13800138000` keeps the id (and the WeChat binding)
// of the guest stored as `138 0013 8000`, including a guest stored before phones were matched
// as numbers, whose id is the hash of the phone as written; and by name as it reads, whatever
// encoding its accents came in (NFC or NFD).
import { describe, expect, it } from 'vitest'
import { consoleRosterCheckSchema, consoleRosterUploadSchema } from '../../shared/console-api'
import { registrationIdOf } from '../../relay/console/roster-routes'
import { type ConsoleClient } from './console-helpers'
import { createCampaign, signIn, relayTestBed } from './campaign-helpers'
import type { Backend } from './harness'

const { placeFor, relayOn } = relayTestBed()

async function upload(c: ConsoleClient, campaignId: string, body: string, query = '') {
  const res = await fetch(`${c.relayUrl}/console/api/campaigns/${campaignId}/roster${query}`, {
    method: 'POST',
    headers: { origin: c.relayUrl, cookie: c.cookie ?? '', 'content-type': 'text/csv' },
    body,
  })
  return { status: res.status, json: await res.json() }
}

describe.each<Backend>(['sqlite', 'redis'])('roster phones matched as numbers (%s)', (backend) => {
  it('an upload with the phone written another way keeps the id and the binding', async () => {
    const relay = await relayOn(placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    expect((await upload(c, made.id, '姓名,手机\n王小明,138 0013 8000\n')).status).toBe(200)
    const [first] = (await relay.store.campaigns.readRoster(made.id, 0, 10)).entries
    await relay.store.campaigns.putBinding(made.id, {
      registrationId: first?.id ?? '',
      openid: 'o1',
      at: 1,
    })
    const again = '姓名,手机\n王小明,+86 138-0013-8000\n'
    const check = consoleRosterCheckSchema.parse(
      (await upload(c, made.id, again, '?dryRun=1')).json,
    )
    expect(check.replacing).toEqual({ total: 1, kept: 1, checkedInDropped: 0 })
    consoleRosterUploadSchema.parse((await upload(c, made.id, again)).json)
    const now = await relay.store.campaigns.readRoster(made.id, 0, 10)
    expect(now.entries).toMatchObject([{ id: first?.id, phone: '+86 138-0013-8000' }])
    expect(await relay.store.campaigns.bindings(made.id)).toMatchObject([
      { registrationId: first?.id, openid: 'o1' },
    ])
  })

  it('a guest stored before (id from the phone as written) keeps that id and binding', async () => {
    const relay = await relayOn(placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const oldId = registrationIdOf('name:王小明\u0000138 0013 8000')
    const guest = { name: '王小明', company: '', phone: '138 0013 8000', code: '' }
    await relay.store.campaigns.replaceRoster(made.id, [
      { id: oldId, ...guest },
      {
        id: registrationIdOf('name:李雷\u000013900000000'),
        ...guest,
        name: '李雷',
        phone: '13900000000',
      },
    ])
    await relay.store.campaigns.putBinding(made.id, { registrationId: oldId, openid: 'o1', at: 1 })
    const file = '姓名,手机\n王小明,13800138000\n李雷,139 0000 0000\n'
    const check = consoleRosterCheckSchema.parse((await upload(c, made.id, file, '?dryRun=1')).json)
    expect(check.replacing).toEqual({ total: 2, kept: 2, checkedInDropped: 0 })
    consoleRosterUploadSchema.parse((await upload(c, made.id, file)).json)
    const ids = (await relay.store.campaigns.readRoster(made.id, 0, 10)).entries.map((e) => e.id)
    expect(ids).toContain(oldId)
    expect(ids).toHaveLength(2)
    expect(await relay.store.campaigns.bindings(made.id)).toMatchObject([
      { registrationId: oldId, openid: 'o1' },
    ])
  })

  it('a guest stored with a decomposed name (a Mac export) keeps the id when typed precomposed', async () => {
    const relay = await relayOn(placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const nfc = 'Nguyễn Thị Ánh'.normalize('NFC')
    const nfd = nfc.normalize('NFD')
    const oldId = registrationIdOf(`name:${nfd}\u000013800138000`)
    await relay.store.campaigns.replaceRoster(made.id, [
      { id: oldId, name: nfd, company: '', phone: '13800138000', code: '' },
    ])
    await relay.store.campaigns.putBinding(made.id, { registrationId: oldId, openid: 'o1', at: 1 })
    const file = `姓名,手机\n${nfc},138 0013 8000\n`
    const check = consoleRosterCheckSchema.parse((await upload(c, made.id, file, '?dryRun=1')).json)
    expect(check.replacing).toEqual({ total: 1, kept: 1, checkedInDropped: 0 })
    consoleRosterUploadSchema.parse((await upload(c, made.id, file)).json)
    expect((await relay.store.campaigns.readRoster(made.id, 0, 10)).entries).toMatchObject([
      { id: oldId, name: nfc },
    ])
    expect(await relay.store.campaigns.bindings(made.id)).toMatchObject([
      { registrationId: oldId, openid: 'o1' },
    ])
  })
})

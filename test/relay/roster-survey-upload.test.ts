// The console's roster upload takes a survey platform's export as the kiosk's import does: the
// same shared parser (shared/roster/roster-import.ts), the same columns.
import { describe, expect, it } from 'vitest'
import { consoleRosterPageSchema, consoleRosterUploadSchema } from '../../shared/console-api'
import { type ConsoleClient } from './console-helpers'
import { createCampaign, signIn, relayTestBed } from './campaign-helpers'

const { placeFor, relayOn } = relayTestBed()

async function upload(c: ConsoleClient, campaignId: string, body: string) {
  const res = await fetch(`${c.relayUrl}/console/api/campaigns/${campaignId}/roster`, {
    method: 'POST',
    headers: { origin: c.relayUrl, cookie: c.cookie ?? '', 'content-type': 'text/csv' },
    body,
  })
  return { status: res.status, json: await res.json() }
}

async function names(c: ConsoleClient, campaignId: string) {
  const page = consoleRosterPageSchema.parse(
    (await c.call('GET', `/console/api/campaigns/${campaignId}/roster`)).json,
  )
  return page.entries.map((e) => [e.name, e.phone]).sort()
}

describe('console roster upload of survey exports', () => {
  it('takes a 问卷星 export with numbered question headings', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const wjx = [
      '序号,提交答卷时间,所用时间,来源,1、您的姓名：,2、您的手机号码：,3、您的工作单位：',
      '1,2026/3/1 10:02:11,35秒,微信,张三,13800138000,华为',
      '2,2026/3/1 10:05:40,41秒,微信,李四,13900139000,腾讯',
    ].join('\r\n')
    const up = await upload(c, made.id, wjx)
    expect(up.status).toBe(200)
    expect(consoleRosterUploadSchema.parse(up.json)).toMatchObject({ total: 2, errors: [] })
    expect(await names(c, made.id)).toEqual([
      ['张三', '13800138000'],
      ['李四', '13900139000'],
    ])
  })

  it('takes an Eventbrite attendee report by First Name and Last Name, not Attendee #', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const eventbrite = [
      'Order #,Order Date,First Name,Last Name,Email,Ticket Type,Attendee #,Barcode #',
      '1234567890,2026-03-01 10:00,Ada,Lovelace,ada@example.org,General,456789012,1234567890456789012001',
    ].join('\r\n')
    const up = await upload(c, made.id, eventbrite)
    expect(up.status).toBe(200)
    expect(await names(c, made.id)).toEqual([['Ada Lovelace', '']])
  })
})

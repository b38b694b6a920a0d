// A console write the relay's store refuses (its disk full, its database locked by a backup):
// the organizer is told the relay could not save and why, in the store's few fixed words, and
// nothing changes; the same write works once the store takes writes again. The store's refusal
// is injected at its boundary (test/reliability/disk-full.test.ts fills a real disk).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { consoleTestBed, errorCode } from './console-helpers'

const bed = consoleTestBed()
afterEach(() => vi.restoreAllMocks())

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code })

describe('console writes the store refuses', () => {
  it('a campaign edit and a roster upload on a full disk: 503 naming it, nothing changed', async () => {
    const relay = await bed.relay(bed.place('sqlite'))
    const c = await bed.signedIn(relay)
    const created = await c.call('POST', '/console/api/campaigns', { name: 'Expo' })
    expect(created.status).toBe(201)
    const campaign = created.json as Record<string, unknown> & { id: string }
    const path = `/console/api/campaigns/${campaign.id}`

    const full = sqliteError('SQLITE_FULL', 'database or disk is full')
    vi.spyOn(relay.store.campaigns, 'updateCampaign').mockRejectedValueOnce(full)
    const edit = await c.call('PUT', path, { ...campaign, name: 'Expo 2' })
    expect(edit.status).toBe(503)
    expect(errorCode(edit)).toBe('internal')
    expect(edit.text).toMatch(/database or disk is full/)
    expect(edit.text).toMatch(/nothing was (saved|changed)/)
    expect(((await c.call('GET', path)).json as { name: string }).name).toBe('Expo')

    vi.spyOn(relay.store.campaigns, 'replaceRoster').mockRejectedValueOnce(full)
    const upload = await fetch(`${relay.url}${path}/roster`, {
      method: 'POST',
      headers: { origin: relay.url, cookie: c.cookie ?? '', 'content-type': 'text/csv' },
      body: 'name,phone\nAnn,13800000000\n',
    })
    const uploadText = await upload.text()
    expect(upload.status).toBe(503)
    expect(uploadText).toMatch(/database or disk is full/)
    expect(((await c.call('GET', `${path}/roster`)).json as { total: number }).total).toBe(0)

    // Space back: the same edit is saved.
    const again = await c.call('PUT', path, { ...campaign, name: 'Expo 2' })
    expect(again.status).toBe(200)
    expect(((await c.call('GET', path)).json as { name: string }).name).toBe('Expo 2')
  })

  it('a database locked elsewhere says so; an error that is not the store’s stays a 500', async () => {
    const relay = await bed.relay(bed.place('sqlite'))
    const c = await bed.signedIn(relay)
    vi.spyOn(relay.store.campaigns, 'createCampaign').mockRejectedValueOnce(
      sqliteError('SQLITE_BUSY', 'database is locked'),
    )
    const locked = await c.call('POST', '/console/api/campaigns', { name: 'Expo' })
    expect(locked.status).toBe(503)
    expect(locked.text).toMatch(/database is locked/)

    // A read the store refuses says so too, without claiming anything was saved.
    vi.spyOn(relay.store.campaigns, 'listCampaigns').mockRejectedValueOnce(
      sqliteError('SQLITE_BUSY', 'database is locked'),
    )
    const list = await c.call('GET', '/console/api/campaigns')
    expect(list.status).toBe(503)
    expect(list.text).toMatch(/database is locked/)
    expect(list.text).not.toMatch(/saved/)

    // A bug's message is not shown (it may name a path): 500, the generic text, as before.
    vi.spyOn(relay.store.campaigns, 'createCampaign').mockRejectedValueOnce(
      new Error('/var/lib/relay/x: something broke'),
    )
    const bug = await c.call('POST', '/console/api/campaigns', { name: 'Expo' })
    expect(bug.status).toBe(500)
    expect(bug.text).not.toMatch(/var\/lib/)
  })
})

describe('the attendance downloads’ HEAD check when the store refuses', () => {
  it('every scope asks the store, and the refusal names why in headers (a HEAD has no body)', async () => {
    const relay = await bed.relay(bed.place('sqlite'))
    const c = await bed.signedIn(relay)
    const created = await c.call('POST', '/console/api/campaigns', { name: 'Expo' })
    const { id } = created.json as { id: string }
    const locked = sqliteError('SQLITE_BUSY', 'database is locked')
    for (const query of ['format=csv', `format=xlsx&campaign=${id}`]) {
      const path = `/console/api/attendance?${query}`
      expect((await c.call('HEAD', path)).status, path).toBe(200)
      vi.spyOn(relay.store.attendance, 'page').mockRejectedValueOnce(locked)
      const head = await c.call('HEAD', path)
      expect(head.status, path).toBe(503)
      expect(head.text).toBe('')
      expect(head.headers.get('x-error-code')).toBe('internal')
      const message = decodeURIComponent(head.headers.get('x-error-message') ?? '')
      expect(message).toMatch(/^the relay's store refused it \(database is locked\);/)
      // The GET's body says the same.
      vi.spyOn(relay.store.attendance, 'settled').mockRejectedValueOnce(locked)
      const get = await c.call('GET', path)
      expect(get.status, path).toBe(503)
      expect(get.headers.get('x-error-code')).toBeNull()
    }
    // Any HEAD refused: the code in the header, whatever it is.
    const missing = await c.call('HEAD', '/console/api/attendance?format=csv&campaign=nope')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-error-code')).toBe('not_found')
  })
})

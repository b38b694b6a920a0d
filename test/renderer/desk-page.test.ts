// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import type { AttendanceRow, RosterEntry, ScreenTicket } from '../../shared/domain'
import AdminView from '../../renderer/src/admin/AdminView.vue'
import DeskPage from '../../renderer/src/admin/pages/DeskPage.vue'
import { useAdminSessionStore } from '../../renderer/src/stores/admin-session'
import { useScreenStore } from '../../renderer/src/stores/screen'
import {
  createFakeKioskApi,
  makeCampaign,
  makeStatus,
  makeTicket,
  webClientOver,
} from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

const entry = (id: string, company: string, code: string): RosterEntry => ({
  id,
  name: `Guest ${id}`,
  company,
  phone: '',
  code,
  openid: null,
  checkedInAt: null,
})

/** The attendance event of guest `n`'s scan, made at `createTime` (WeChat's, in seconds): now. */
const row = (n: number, createTime = Math.floor(Date.now() / 1000)): AttendanceRow => ({
  id: n,
  eventId: `e${n}`,
  campaignId: 'c1',
  kioskId: 'desk-1',
  openid: `o${n}`,
  scene: 'desk-1:t',
  kind: 'scan',
  createTime,
  receivedAt: createTime * 1000,
  firstVisit: true,
  checkInNumber: n,
  rosterEntryId: String(n),
  rosterName: `Guest ${n}`,
  greetingShown: true,
  unknownTicket: false,
  fallback: false,
})

describe('desk page', () => {
  it('joins company and code with a dot only when both are there', async () => {
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([
      entry('1', 'ACME', 'G1'),
      entry('2', '', 'C4'),
      entry('3', 'ACME', ''),
      entry('4', '', ''),
    ])
    const { wrapper } = mountWith(DeskPage, fake.api)
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="desk-result"]')
    expect(rows).toHaveLength(4)
    // A guest without a company read "· C4": a stray dot where the company would be.
    expect(rows.map((r) => r.find('.sub').text().replace(/\s+/g, ' '))).toEqual([
      'ACME · G1',
      'C4',
      'ACME',
      '',
    ])
  })

  it('isolates the company and the code, so a right-to-left company keeps its code after it', async () => {
    // In one run of text, a Uyghur company before a numeric code ("شىركەت · 1024") is laid out
    // right to left as a whole: the code and the dot showed before the company.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([
      entry('1', 'ئۈرۈمچى شىركىتى', '1024'),
      entry('2', 'ACME', ''),
    ])
    const { wrapper } = mountWith(DeskPage, fake.api)
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="desk-result"]')
    expect(rows.map((r) => r.findAll('.sub bdi').map((b) => b.text()))).toEqual([
      ['ئۈرۈمچى شىركىتى', '1024'],
      ['ACME'],
    ])
    expect(rows[0]?.find('.sub').text().replace(/\s+/g, ' ')).toBe('ئۈرۈمچى شىركىتى · 1024')
  })

  it('says a new roster is still arriving, and that the search finds the previous one', async () => {
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
    const { wrapper, i18n } = mountWith(DeskPage, fake.api)
    const screen = useScreenStore()
    screen.status = makeStatus({ relay: { roster: { received: 22_600, total: 50_000 } } })
    await flushPromises()
    const notice = () => wrapper.find('[data-testid="desk-roster-arriving"]')
    expect(notice().text()).toBe('名单同步中 45%：新名单到齐前按旧名单查找')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(notice().text()).toBe(
      'Roster updating 45%: searching the previous list until it is complete',
    )
    // Still listed meanwhile; the notice goes once the new roster is all in.
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(1)
    screen.status = makeStatus()
    await flushPromises()
    expect(notice().exists()).toBe(false)
  })

  it('lists the new roster once it is all in, without a key pressed', async () => {
    // The booth was moved to a campaign whose roster was still arriving: the list the page read
    // then was the previous one (or none), and stayed so after the notice went, until staff
    // typed something.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([])
    const { wrapper } = mountWith(DeskPage, fake.api)
    const screen = useScreenStore()
    screen.status = makeStatus({ relay: { roster: { received: 600, total: 1_000 } } })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(0)
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
    screen.status = makeStatus({ relay: { roster: { received: 900, total: 1_000 } } })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(0)
    screen.status = makeStatus()
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"] strong').map((n) => n.text())).toEqual([
      'Guest 1',
    ])
  })

  it('says the campaign has no roster yet, and where it comes from, rather than "no matching guest" to an empty search', async () => {
    // A newcomer opening the desk page on a campaign without a roster read 没有匹配的来宾 under
    // an empty search box: nothing had been searched, and nothing said a list was missing.
    vi.useFakeTimers()
    try {
      const fake = createFakeKioskApi()
      fake.api.searchRoster.mockResolvedValue([])
      const { wrapper, i18n } = mountWith(DeskPage, fake.api)
      await flushPromises()
      const empty = () => wrapper.find('[data-testid="desk-roster-empty"]')
      expect(empty().text()).toBe(
        '本活动还没有来宾名单。前台签到按名单为每位来宾出示专属二维码：请先在「名单导入」页导入名单。',
      )
      expect(wrapper.text()).not.toContain('没有匹配的来宾')
      // A booth whose campaign the console runs: the organizer uploads it there.
      useScreenStore().campaignsFromRelay = true
      await flushPromises()
      expect(empty().text()).toBe(
        '本活动还没有来宾名单。名单由主办方在活动控制台的活动页上传，上传后自动同步到本机。',
      )
      i18n.global.locale.value = 'en'
      await flushPromises()
      expect(empty().text()).toBe(
        "This campaign has no roster yet. The organizer uploads it on the campaign's page in the event console, and it syncs to this booth by itself.",
      )

      // Something typed that matches nobody is still "no matching guest".
      await wrapper.find('[data-testid="desk-search"]').setValue('王')
      vi.advanceTimersByTime(300)
      await flushPromises()
      expect(fake.api.searchRoster).toHaveBeenLastCalledWith({ query: '王', limit: 50 })
      expect(empty().exists()).toBe(false)
      expect(wrapper.text()).toContain('No matching guest')

      // And a roster with guests lists them, with no word of a missing list.
      fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
      await wrapper.find('[data-testid="desk-search"]').setValue('')
      vi.advanceTimersByTime(300)
      await flushPromises()
      expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(1)
      expect(empty().exists()).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })

  it('says nothing of a missing roster while the moved booth’s list is read, nor after that read failed', async () => {
    // 春季展 was listed (an empty search); the booth moved to 秋季展: the results went at once
    // and the page said 本活动还没有来宾名单 until 秋季展's answer came, and kept saying it when
    // that search failed, under the error, though 秋季展's roster may be full.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('s1', 'ACME', 'G1')])
    const { wrapper } = mountWith(DeskPage, fake.api)
    const screen = useScreenStore()
    screen.campaign = makeCampaign({ id: 'spring' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(1)
    const empty = () => wrapper.find('[data-testid="desk-roster-empty"]')

    let answer: (found: RosterEntry[]) => void = () => undefined
    fake.api.searchRoster.mockReturnValue(new Promise((resolve) => (answer = resolve)))
    screen.campaign = makeCampaign({ id: 'autumn' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(0)
    expect(empty().exists()).toBe(false)
    expect(wrapper.text()).not.toContain('没有匹配的来宾')
    answer([{ ...entry('a1', 'Globex', 'H1'), name: 'Autumn' }])
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(1)

    // Back to an empty campaign, whose search fails: the error, and no claim about its roster.
    fake.api.searchRoster.mockResolvedValue([])
    screen.campaign = makeCampaign({ id: 'spring' })
    await flushPromises()
    expect(empty().exists()).toBe(true)
    fake.api.searchRoster.mockRejectedValue({ code: 'internal', params: {} })
    screen.campaign = makeCampaign({ id: 'winter' })
    await flushPromises()
    expect(wrapper.find('.error-text').exists()).toBe(true)
    expect(empty().exists()).toBe(false)
    expect(wrapper.text()).not.toContain('没有匹配的来宾')
  })

  it('a screen reader hears each search’s answer, even when the count is the same as the last one', async () => {
    // "找到 2 位来宾" for 王, then the same words for 王小: the live region did not change, so a
    // blind staff member heard nothing for the new search.
    vi.useFakeTimers()
    try {
      const fake = createFakeKioskApi()
      fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1'), entry('2', 'ACME', 'G2')])
      const { wrapper } = mountWith(DeskPage, fake.api)
      const news = () => wrapper.find('[data-testid="desk-news"]').text()
      await flushPromises()
      expect(news()).toBe('找到 2 位来宾')
      const heard: string[] = []
      for (const query of ['王', '王小', 'zz', 'zzz']) {
        if (query === 'zz') fake.api.searchRoster.mockResolvedValue([])
        await wrapper.find('[data-testid="desk-search"]').setValue(query)
        vi.advanceTimersByTime(300)
        await flushPromises()
        heard.push(news())
      }
      expect(heard).toEqual([
        '“王”：找到 2 位来宾',
        '“王小”：找到 2 位来宾',
        '没有与“zz”匹配的来宾',
        '没有与“zzz”匹配的来宾',
      ])
    } finally {
      vi.useRealTimers()
    }
  })

  it('a failed search leaves no earlier results beside its error', async () => {
    // The error said the search failed while the last search's guests stayed listed under the
    // new text, so staff could show the code of a guest the new search never found.
    vi.useFakeTimers()
    try {
      const fake = createFakeKioskApi()
      fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1'), entry('2', 'ACME', 'G2')])
      const { wrapper } = mountWith(DeskPage, fake.api)
      await flushPromises()
      expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(2)

      fake.api.searchRoster.mockRejectedValue({ code: 'internal', params: {} })
      await wrapper.find('[data-testid="desk-search"]').setValue('王')
      vi.advanceTimersByTime(300)
      await flushPromises()
      expect(fake.api.searchRoster).toHaveBeenLastCalledWith({ query: '王', limit: 50 })
      expect(wrapper.find('.error-text').exists()).toBe(true)
      // Said as it appears: the results went away out of sight of someone typing.
      expect(wrapper.find('.error-text').attributes('role')).toBe('alert')
      expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(0)
      expect(wrapper.text()).not.toContain('没有匹配的来宾')

      // The next search that answers lists again, with the error gone.
      fake.api.searchRoster.mockResolvedValue([entry('3', 'ACME', 'G3')])
      await wrapper.find('[data-testid="desk-search"]').setValue('王五')
      vi.advanceTimersByTime(300)
      await flushPromises()
      expect(wrapper.find('.error-text').exists()).toBe(false)
      expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('shows no error of an earlier search refused after a later one answered', async () => {
    // "王" refused after "王五" was listed: its error went up beside 王五's guests, read as
    // this search having failed (and the list as not to be trusted).
    vi.useFakeTimers()
    try {
      const fake = createFakeKioskApi()
      const answers: Array<{
        resolve: (found: RosterEntry[]) => void
        reject: (e: unknown) => void
      }> = []
      fake.api.searchRoster.mockResolvedValueOnce([])
      const { wrapper } = mountWith(DeskPage, fake.api)
      await flushPromises()
      fake.api.searchRoster.mockImplementation(
        () => new Promise<RosterEntry[]>((resolve, reject) => answers.push({ resolve, reject })),
      )
      await wrapper.find('[data-testid="desk-search"]').setValue('王')
      vi.advanceTimersByTime(300)
      await wrapper.find('[data-testid="desk-search"]').setValue('王五')
      vi.advanceTimersByTime(300)
      await flushPromises()
      expect(answers).toHaveLength(2)
      answers[1]?.resolve([entry('3', 'ACME', 'G3')])
      await flushPromises()
      answers[0]?.reject({ code: 'internal', params: {} })
      await flushPromises()
      expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(1)
      expect(wrapper.find('.error-text').exists()).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })

  it('drops a search answered after the booth moved: no word of the last campaign’s empty roster', async () => {
    // The empty search of an empty campaign was still out when the booth moved: the store
    // dropped its answer, but the page still took it as "the roster is empty" for the new one.
    const fake = createFakeKioskApi()
    const answers: ((found: RosterEntry[]) => void)[] = []
    fake.api.searchRoster.mockImplementation(
      () => new Promise<RosterEntry[]>((resolve) => answers.push(resolve)),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    const screen = useScreenStore()
    screen.campaign = makeCampaign({ id: 'spring' })
    await flushPromises()
    screen.campaign = makeCampaign({ id: 'autumn' })
    await flushPromises()
    expect(answers.length).toBeGreaterThanOrEqual(2)
    answers[0]?.([])
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-roster-empty"]').exists()).toBe(false)
    answers.at(-1)?.([{ ...entry('a1', 'Globex', 'H1'), name: 'Autumn' }])
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"] strong').map((n) => n.text())).toEqual([
      'Autumn',
    ])
  })

  it("lists the moved booth's roster once the core says it is in, though no transfer was shown", async () => {
    // Moved to 秋季展, whose roster fits in one frame and came a read after the campaign: the
    // page searched at the move (nothing yet) and the status never said a roster was arriving.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('s1', 'ACME', 'G1')])
    const { wrapper } = mountWith(DeskPage, fake.api)
    const screen = useScreenStore()
    screen.campaign = makeCampaign({ id: 'spring' })
    await flushPromises()
    fake.api.searchRoster.mockResolvedValue([])
    screen.campaign = makeCampaign({ id: 'autumn' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"]')).toHaveLength(0)
    fake.api.searchRoster.mockResolvedValue([{ ...entry('a1', 'Globex', 'H1'), name: 'Autumn' }])
    // Another campaign's roster replaced (the booth's last one, late): no search for it.
    const searches = fake.api.searchRoster.mock.calls.length
    fake.emit('roster', { campaignId: 'spring' })
    await flushPromises()
    expect(fake.api.searchRoster.mock.calls.length).toBe(searches)
    fake.emit('roster', { campaignId: 'autumn' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="desk-result"] strong').map((n) => n.text())).toEqual([
      'Autumn',
    ])
  })

  it('follows the booth to another campaign: its roster only, the last campaign’s guest code gone', async () => {
    // The organizer moves the booth from 春季展 to 秋季展 while staff have the desk page open
    // with a 春季展 guest's code up. The core searches the new campaign's roster from then on;
    // the page kept listing 春季展's guests (a tap said "no such registration") and kept their
    // code up, and again after the admin area was locked and unlocked.
    const fake = createFakeKioskApi()
    const spring = entry('s1', 'ACME', 'G1')
    fake.api.searchRoster.mockResolvedValue([spring])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(Date.now(), { rosterEntry: { id: spring.id, name: spring.name } }),
    )
    const Host = defineComponent(() => {
      const session = useAdminSessionStore()
      return () => h('div', session.unlocked ? [h(DeskPage)] : [])
    })
    const { wrapper } = mountWith(Host, fake.api)
    const screen = useScreenStore()
    screen.campaign = makeCampaign({ id: 'spring' })
    const session = useAdminSessionStore()
    session.unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(true)

    const autumn = { ...entry('a1', 'Globex', 'H1'), name: 'Autumn Guest' }
    fake.api.searchRoster.mockResolvedValue([autumn])
    screen.campaign = makeCampaign({ id: 'autumn' })
    await flushPromises()
    const names = () => wrapper.findAll('[data-testid="desk-result"] strong').map((n) => n.text())
    expect(names()).toEqual(['Autumn Guest'])
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)

    // Moved while the admin area was locked: unlocked again, none of the last campaign shows.
    session.sessionEnded()
    await flushPromises()
    session.unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(true)
    session.sessionEnded()
    await flushPromises()
    fake.api.searchRoster.mockResolvedValue([spring])
    screen.campaign = makeCampaign({ id: 'spring' })
    session.unlocked = true
    await flushPromises()
    expect(names()).toEqual([spring.name])
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
  })

  it('shows a check-in made while the admin area was locked once it is unlocked again', async () => {
    const fake = createFakeKioskApi()
    const guest = entry('1', 'ACME', 'G1')
    fake.api.searchRoster.mockResolvedValue([guest])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(Date.now(), { rosterEntry: { id: guest.id, name: guest.name } }),
    )
    // The page lives only while the admin area is unlocked, as in AdminView.
    const Host = defineComponent(() => {
      const session = useAdminSessionStore()
      return () => h('div', session.unlocked ? [h(DeskPage)] : [])
    })
    const { wrapper } = mountWith(Host, fake.api)
    const session = useAdminSessionStore()
    session.unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).not.toContain('done')

    // The admin area locks (idle); the guest scans meanwhile, and the attendance event is not
    // sent to a locked renderer. Staff unlock again.
    session.sessionEnded()
    await flushPromises()
    fake.api.searchRoster.mockResolvedValue([{ ...guest, checkedInAt: Date.now() }])
    session.unlocked = true
    await flushPromises()

    const row = wrapper.find('[data-testid="desk-result"]')
    expect(row.find('.badge').classes()).toContain('good')
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).toContain('done')
    expect(wrapper.find('[data-testid="desk-ticket"] .check').exists()).toBe(true)
  })

  it('a screen reader hears the shown guest check in, through a region there before the code went up', async () => {
    // "Guest 1已签到" replaced the code out of sight of the staff member: nothing was said. A
    // live region inserted with its words is missed too, so the one that says it must already
    // be on the page (and the same node) when the guest's code is shown.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(Date.now(), { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    const region = wrapper.find('[data-testid="desk-ticket-news"]')
    expect(region.exists()).toBe(true)
    expect(region.attributes('role')).toBe('status')
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"] .qr').exists()).toBe(true)
    expect(region.text()).toBe('')

    fake.emit('attendance', row(1))
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket-news"]').element).toBe(region.element)
    expect(region.text()).toBe('Guest 1已签到')
  })

  it("takes the last guest's code down the moment another guest's is asked for, also when it is refused", async () => {
    // Guest 1's code stayed up while Guest 2's was asked for (and beside the error when that was
    // refused): turned to Guest 2, it checked Guest 1 in with Guest 2's phone.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1'), entry('2', 'ACME', 'G2')])
    fake.api.showDeskTicket.mockResolvedValueOnce(
      makeTicket(Date.now(), { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    const show = (n: number) =>
      wrapper.findAll('[data-testid="desk-result"] button')[n]?.trigger('click')
    await show(0)
    await flushPromises()
    expect(wrapper.get('[data-testid="desk-ticket"]').text()).toContain('Guest 1')

    let refuse: (e: unknown) => void = () => {}
    fake.api.showDeskTicket.mockImplementationOnce(
      () =>
        new Promise((_resolve, reject) => {
          refuse = reject
        }),
    )
    await show(1)
    await flushPromises()
    expect(fake.api.showDeskTicket).toHaveBeenLastCalledWith({ rosterEntryId: '2' })
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
    refuse({ code: 'internal', params: {} })
    await flushPromises()
    expect(wrapper.find('[role="alert"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)

    fake.api.showDeskTicket.mockResolvedValueOnce(
      makeTicket(Date.now(), { rosterEntry: { id: '2', name: 'Guest 2' } }),
    )
    await show(1)
    await flushPromises()
    expect(wrapper.get('[data-testid="desk-ticket"]').text()).toContain('Guest 2')
  })

  it("keeps the last guest asked for when an earlier guest's answer comes after it", async () => {
    // Guest 1's code asked for, then Guest 2's; the kiosk answers Guest 2 first, then Guest 1:
    // the late answer put Guest 1's code up under Guest 2's click (turned to Guest 2, scanned as
    // Guest 1), and a late refusal of Guest 1's put its error beside Guest 2's code.
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1'), entry('2', 'ACME', 'G2')])
    const answers: Array<{ resolve: (t: ScreenTicket) => void; reject: (e: unknown) => void }> = []
    fake.api.showDeskTicket.mockImplementation(
      () => new Promise<ScreenTicket>((resolve, reject) => answers.push({ resolve, reject })),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    const show = (n: number) =>
      wrapper.findAll('[data-testid="desk-result"] button')[n]?.trigger('click')
    const ticketOf = (n: number) =>
      makeTicket(Date.now(), { rosterEntry: { id: String(n), name: `Guest ${n}` } })

    await show(0)
    await show(1)
    await flushPromises()
    expect(answers).toHaveLength(2)
    answers[1]?.resolve(ticketOf(2))
    await flushPromises()
    expect(wrapper.get('[data-testid="desk-ticket"]').text()).toContain('Guest 2')
    answers[0]?.resolve(ticketOf(1))
    await flushPromises()
    expect(wrapper.get('[data-testid="desk-ticket"]').text()).toContain('Guest 2')
    expect(wrapper.get('[data-testid="desk-ticket"]').text()).not.toContain('Guest 1')

    // The same with the earlier one refused late: no error beside the code asked for last.
    await show(0)
    await show(1)
    await flushPromises()
    answers[3]?.resolve(ticketOf(2))
    await flushPromises()
    answers[2]?.reject({ code: 'internal', params: {} })
    await flushPromises()
    expect(wrapper.get('[data-testid="desk-ticket"]').text()).toContain('Guest 2')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('marks every guest the live check-ins name, the shown one and the listed ones', async () => {
    const fake = createFakeKioskApi()
    const guests = Array.from({ length: 40 }, (_, i) => entry(String(i + 1), 'ACME', `G${i + 1}`))
    fake.api.searchRoster.mockResolvedValue(guests)
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(Date.now(), { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()

    // Every other guest checks in, one event each, the shown guest among them.
    for (let n = 1; n <= 40; n += 2) fake.emit('attendance', row(n))
    await flushPromises()

    const badges = wrapper.findAll('[data-testid="desk-result"] .badge')
    expect(badges.map((b, i) => [i + 1, b.classes().includes('good')])).toEqual(
      guests.map((_, i) => [i + 1, i % 2 === 0]),
    )
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).toContain('done')
  })

  it('web mode: re-reads the results when the event stream comes back after a drop', async () => {
    const fake = createFakeKioskApi()
    const guest = entry('1', 'ACME', 'G1')
    fake.api.searchRoster.mockResolvedValue([guest])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(Date.now(), { rosterEntry: { id: guest.id, name: guest.name } }),
    )
    const web = webClientOver(fake)
    const { wrapper } = mountWith(DeskPage, web.api)
    useAdminSessionStore().unlocked = true
    web.stream.open()
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    const ticketGuest = () => wrapper.find('[data-testid="desk-ticket"] .guest')
    expect(ticketGuest().classes()).not.toContain('done')

    // The stream drops (the browser reconnects on its own); the guest scans meanwhile and the
    // attendance mark sent then is gone. The reopened stream brings only what comes after.
    fake.api.searchRoster.mockResolvedValue([{ ...guest, checkedInAt: Date.now() }])
    const searches = fake.api.searchRoster.mock.calls.length
    web.stream.open()
    await flushPromises()

    expect(fake.api.searchRoster.mock.calls.length).toBe(searches + 1)
    expect(wrapper.find('[data-testid="desk-result"] .badge').classes()).toContain('good')
    expect(ticketGuest().classes()).toContain('done')

    // The first open re-reads nothing (the page has just read), and once the page is gone
    // a reopening reads nothing for it.
    wrapper.unmount()
    web.stream.open()
    await flushPromises()
    expect(fake.api.searchRoster.mock.calls.length).toBe(searches + 1)
  })
})

describe('desk page and the core admin session', () => {
  const T0 = new Date('2025-05-01T09:00:00Z').getTime()
  const MINUTE = 60_000

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /**
   * The admin area (the desk page) unlocked, and a guest's personal code shown on it; `web`:
   * through the web client, with an event stream the test drives.
   */
  async function showGuestCode(mode: 'ipc' | 'web' = 'ipc', ticket: Partial<ScreenTicket> = {}) {
    const fake = createFakeKioskApi()
    const web = webClientOver(fake)
    const guest = entry('1', 'ACME', 'G1')
    fake.api.searchRoster.mockResolvedValue([guest])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(T0, { rosterEntry: { id: guest.id, name: guest.name }, ...ticket }),
    )
    const api = mode === 'web' ? web.api : fake.api
    const { wrapper } = mountWith(AdminView, api, { props: { page: 'desk' } })
    await useAdminSessionStore().unlock('2468')
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    return { fake, guest, wrapper, stream: web.stream }
  }

  it('asks for the PIN when the core session ends, though staff touched the screen since', async () => {
    const { fake, guest, wrapper } = await showGuestCode()
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').text()).toContain(guest.name)

    // Four minutes on, staff touch the screen (no admin call): the renderer's own idle lock
    // starts over, but the core's session still ends five minutes after the last call, and
    // from then on it sends no check-in marks.
    vi.advanceTimersByTime(4 * MINUTE)
    window.dispatchEvent(new Event('pointerdown'))
    vi.advanceTimersByTime(MINUTE + 1_000)
    await flushPromises()

    // The desk must not go on saying "waiting" with the marks cut off: the PIN pad is back.
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('管理会话已锁定')

    // The guest scanned meanwhile; unlocking again shows them checked in.
    fake.api.searchRoster.mockResolvedValue([{ ...guest, checkedInAt: T0 + 5 * MINUTE }])
    await useAdminSessionStore().unlock('2468')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).toContain('done')
  })

  it('locks as the computer wakes from a sleep longer than the idle time, not minutes later', async () => {
    const { wrapper } = await showGuestCode()
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(true)

    // Lunch: the lid closes with the desk page up. Timers stand still while the computer sleeps
    // and the wall clock does not: on waking, the idle timer still has its five minutes to run.
    vi.setSystemTime(T0 + 90 * MINUTE)
    vi.advanceTimersByTime(2_000)
    await flushPromises()

    // The guest's name and an expired code must not stay on the public screen meanwhile.
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
  })

  it('gives way to the PIN pad saying so when the kiosk restarted under the page (web mode)', async () => {
    const { fake, wrapper } = await showGuestCode()
    const stopScreen = useScreenStore().start()
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(true)

    // `kiosk web` restarted: a new key, its admin session gone, no more events for this page.
    // The screen's periodic re-read is the first call to hear of it.
    const rejected = Object.assign(new Error('rejected'), { code: 'web_key_rejected' })
    fake.api.getScreenState.mockRejectedValue(rejected)
    fake.api.searchRoster.mockRejectedValue(rejected)
    vi.advanceTimersByTime(MINUTE)
    await flushPromises()

    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('页面密钥已失效')
    stopScreen()
  })

  it('web mode: notices the restart at once from the refused event stream', async () => {
    const { fake, wrapper, stream } = await showGuestCode('web')
    const stopScreen = useScreenStore().start()
    stream.open()
    await flushPromises()
    const reads = fake.api.getScreenState.mock.calls.length

    // The kiosk stops: the stream drops and the browser keeps trying. Nothing to say yet.
    stream.fail('connecting')
    await flushPromises()
    expect(fake.api.getScreenState.mock.calls.length).toBe(reads)
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(true)

    // It is back with a new key: the reconnection gets a 401 and the browser gives up. With
    // no clock moving (the screen's periodic re-read never comes), the page says so at once.
    const rejected = Object.assign(new Error('rejected'), { code: 'web_key_rejected' })
    fake.api.getScreenState.mockRejectedValue(rejected)
    fake.api.searchRoster.mockRejectedValue(rejected)
    stream.fail('closed')
    await flushPromises()

    expect(fake.api.getScreenState.mock.calls.length).toBe(reads + 1)
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('页面密钥已失效')
    stopScreen()
  })

  it('web mode: a stream refused while the kiosk was still starting is tried again', async () => {
    const { fake, wrapper, stream } = await showGuestCode('web')
    const stopScreen = useScreenStore().start()
    stream.open()
    await flushPromises()
    const reads = fake.api.getScreenState.mock.calls.length
    stream.fail('connecting')

    // The browser's retry lands while the restarted kiosk is still starting: its port answers
    // 503, which the browser takes as a refusal and stops; the re-read learns nothing yet.
    const starting = Object.assign(new Error('starting'), { code: 'service_unreachable' })
    fake.api.getScreenState.mockRejectedValue(starting)
    stream.fail('closed')
    await flushPromises()
    expect(fake.api.getScreenState.mock.calls.length).toBe(reads + 1)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(false)

    // Up with a new key: the page opens its stream again after the retry delay, as the browser
    // would after a drop, well before the screen's 30 s re-read; that one gets the 401.
    const rejected = Object.assign(new Error('rejected'), { code: 'web_key_rejected' })
    fake.api.getScreenState.mockRejectedValue(rejected)
    fake.api.searchRoster.mockRejectedValue(rejected)
    vi.advanceTimersByTime(2_000)
    expect(stream.streamsOpened).toBe(2)
    stream.fail('closed')
    await flushPromises()
    expect(wrapper.find('[data-testid="desk-ticket"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('页面密钥已失效')

    // The key is refused for good: no more tries.
    vi.advanceTimersByTime(10_000)
    expect(stream.streamsOpened).toBe(2)
    stopScreen()
  })

  it('takes the guest code down before WeChat lets it expire, and shows a fresh one on request', async () => {
    // The core may hand out a desk code with little life left (its margin plus ten seconds of
    // display). Left on the desk page, it stayed up after WeChat stopped routing it: the guest
    // scanned a dead code, WeChat pushed nothing, and nobody was told.
    const { fake, guest, wrapper } = await showGuestCode('ipc', { expiresAt: T0 + 40_000 })
    const code = () => wrapper.find('[data-testid="desk-ticket"] .qr')
    const expired = () => wrapper.find('[data-testid="desk-ticket-expired"]')
    vi.advanceTimersByTime(30_000)
    await flushPromises()
    expect(code().exists()).toBe(true)
    expect(expired().exists()).toBe(false)

    // Five seconds before its expiry (the kiosk screen's rule), the code is gone, and why.
    vi.advanceTimersByTime(5_000)
    await flushPromises()
    expect(code().exists()).toBe(false)
    expect(expired().text()).toContain('二维码已过期')
    // Said through the region that was there while the code was up (the panel's own words
    // arrive with it, and a screen reader misses a region inserted with its text).
    expect(wrapper.find('[data-testid="desk-ticket-news"]').text()).toBe(
      '二维码已过期，微信不再识别，请重新出示',
    )
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').text()).toContain(guest.name)

    // One tap puts up a fresh code for the same guest.
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(T0 + 35_000, {
        id: 't-2',
        rosterEntry: { id: guest.id, name: guest.name },
      }),
    )
    await wrapper.find('[data-testid="desk-ticket-again"]').trigger('click')
    await flushPromises()
    expect(fake.api.showDeskTicket).toHaveBeenLastCalledWith({ rosterEntryId: guest.id })
    expect(code().exists()).toBe(true)
    expect(expired().exists()).toBe(false)
  })

  it('keeps the desk open while admin calls keep the core session going', async () => {
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
    const { wrapper } = mountWith(AdminView, fake.api, { props: { page: 'desk' } })
    await useAdminSessionStore().unlock('2468')
    await flushPromises()
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(4 * MINUTE)
      // Each search is an admin call (the core's session starts over) made by a touch.
      window.dispatchEvent(new Event('keydown'))
      await wrapper.find('[data-testid="desk-search"]').setValue(`G${i}`)
      vi.advanceTimersByTime(300)
      await flushPromises()
    }
    expect(fake.api.searchRoster.mock.calls.length).toBeGreaterThanOrEqual(4)
    expect(wrapper.find('[data-testid="pin-pad"]').exists()).toBe(false)
    expect(fake.api.lockAdmin).not.toHaveBeenCalled()
  })
})

describe('desk page on day 2 of an event', () => {
  // The kiosk's local time: day 1 is 4 Dec, the desk opens again on 5 Dec at 10:00.
  const DAY1 = new Date(2026, 11, 4, 9, 12).getTime()
  const DAY2 = new Date(2026, 11, 5, 10, 0).getTime()
  const HOUR = 3_600_000

  beforeEach(() => {
    vi.useFakeTimers({ now: DAY1 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const badges = (wrapper: ReturnType<typeof mountWith>['wrapper']) =>
    wrapper
      .findAll('[data-testid="desk-result"] .badge')
      .map((b) => [b.text(), b.classes().includes('good')])

  it('tells today’s check-ins from earlier days’, and shows an earlier day’s guest a code to scan', async () => {
    const fake = createFakeKioskApi()
    const guests = [
      { ...entry('1', 'ACME', 'G1'), checkedInAt: DAY1 },
      { ...entry('2', 'ACME', 'G2'), checkedInAt: DAY2 - HOUR },
      entry('3', 'ACME', 'G3'),
    ]
    fake.api.searchRoster.mockResolvedValue(guests)
    vi.setSystemTime(DAY2)
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(DAY2, { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    // Every day-1 guest read 已签到 on day 2: staff could not see who had come today.
    expect(badges(wrapper)).toEqual([
      ['已签到 12/04 09:12', false],
      ['已签到', true],
      ['未签到', false],
    ])

    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    const guestLine = () => wrapper.find('[data-testid="desk-ticket"] .guest')
    expect(wrapper.find('[data-testid="desk-ticket"] .qr').exists()).toBe(true)
    expect(guestLine().classes()).not.toContain('done')

    // Day 1's scan delivered only now (bad Wi-Fi) is not today's check-in; today's scan is.
    fake.emit('attendance', row(1, Math.floor((DAY1 + 60_000) / 1000)))
    await flushPromises()
    expect(guestLine().classes()).not.toContain('done')
    fake.emit('attendance', row(1, Math.floor(DAY2 / 1000)))
    await flushPromises()
    expect(guestLine().classes()).toContain('done')
    expect(badges(wrapper)[0]).toEqual(['已签到', true])
  })

  it('marks a live check-in by the time the kiosk stored, not WeChat’s, on a booth clock hours ahead', async () => {
    // The booth's clock 3 h fast: it reads day 2, 00:30 while WeChat stamps the scan day 1,
    // 21:30. The kiosk stored the check-in at 00:30 on its clock (its today), as a reload shows.
    const kioskNow = new Date(2026, 11, 5, 0, 30).getTime()
    vi.setSystemTime(kioskNow)
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(kioskNow, { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    const scan = row(1, Math.floor((kioskNow - 3 * HOUR) / 1000))
    fake.emit('attendance', { ...scan, checkedInAt: kioskNow })
    await flushPromises()
    // It read as an earlier day's check-in (12/04 21:30) and kept the code up for the guest.
    expect(badges(wrapper)).toEqual([['已签到', true]])
    expect(wrapper.find('[data-testid="desk-ticket"] .guest').classes()).toContain('done')
  })

  it('does not carry day 1’s live check-ins into day 2 (the desk left open overnight)', async () => {
    const fake = createFakeKioskApi()
    const guest = entry('1', 'ACME', 'G1')
    fake.api.searchRoster.mockResolvedValue([guest])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(DAY1, { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    fake.emit('attendance', row(1, Math.floor(DAY1 / 1000)))
    await flushPromises()
    expect(badges(wrapper)).toEqual([['已签到', true]])

    // The next morning: the same page, the same store.
    vi.setSystemTime(DAY2)
    vi.advanceTimersByTime(1_000)
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(DAY2, { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    await flushPromises()
    expect(badges(wrapper)).toEqual([['已签到 12/04 09:12', false]])
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    // It showed ✓ at once instead of the code: the guest could not check in for day 2.
    expect(wrapper.find('[data-testid="desk-ticket"] .qr').exists()).toBe(true)
    expect(wrapper.find('[data-testid="desk-ticket"] .check').exists()).toBe(false)
  })
})

describe('desk page through midnight (a New Year’s Eve party)', () => {
  // The kiosk's local time: the guest's code goes up at 23:59:20 and is scanned at 23:59:50.
  const SHOWN = new Date(2026, 11, 31, 23, 59, 20).getTime()
  const SCANNED = new Date(2026, 11, 31, 23, 59, 50).getTime()

  beforeEach(() => {
    vi.useFakeTimers({ now: SHOWN })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps the shown guest checked in past midnight: their used code does not come back up at 00:00', async () => {
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([entry('1', 'ACME', 'G1')])
    fake.api.showDeskTicket.mockResolvedValue(
      makeTicket(SHOWN, { rosterEntry: { id: '1', name: 'Guest 1' } }),
    )
    const { wrapper } = mountWith(DeskPage, fake.api)
    useAdminSessionStore().unlocked = true
    await flushPromises()
    await wrapper.find('[data-testid="desk-result"] button').trigger('click')
    await flushPromises()
    const qr = () => wrapper.find('[data-testid="desk-ticket"] .qr')
    const guestLine = () => wrapper.find('[data-testid="desk-ticket"] .guest')
    expect(qr().exists()).toBe(true)

    vi.setSystemTime(SCANNED)
    fake.emit('attendance', { ...row(1, Math.floor(SCANNED / 1000)), checkedInAt: SCANNED })
    await flushPromises()
    expect(guestLine().classes()).toContain('done')
    expect(qr().exists()).toBe(false)

    // 00:00:10 on 1 January, the code still within its life: it came back up with no tick, and
    // staff sent a guest who had just checked in to scan it again.
    vi.advanceTimersByTime(20_000)
    await flushPromises()
    expect(new Date().getDate()).toBe(1)
    expect(guestLine().classes()).toContain('done')
    expect(wrapper.find('[data-testid="desk-ticket"] .check').exists()).toBe(true)
    expect(qr().exists()).toBe(false)
  })
})

describe('desk page in a browser in another zone (kiosk web)', () => {
  const zoneBefore = process.env.TZ
  // 00:30 on 5 December in Tokyo, where the booth's core runs; still 4 December in UTC (the page).
  const NOW = Date.UTC(2026, 11, 4, 15, 30)
  beforeEach(() => {
    process.env.TZ = 'UTC'
    vi.useFakeTimers({ now: NOW })
  })
  afterEach(() => {
    vi.useRealTimers()
    if (zoneBefore === undefined) delete process.env.TZ
    else process.env.TZ = zoneBefore
  })

  it('tells today’s check-ins by the core’s day, and writes an earlier day’s on its clock', async () => {
    const fake = createFakeKioskApi()
    fake.api.searchRoster.mockResolvedValue([
      // 23:50 on 4 December in Tokyo: yesterday at the booth, though the page's today.
      { ...entry('1', 'ACME', 'G1'), checkedInAt: Date.UTC(2026, 11, 4, 14, 50) },
      // 00:10 on 5 December in Tokyo: today at the booth.
      { ...entry('2', 'ACME', 'G2'), checkedInAt: Date.UTC(2026, 11, 4, 15, 10) },
    ])
    const { wrapper } = mountWith(DeskPage, fake.api)
    useScreenStore().timeZone = 'Asia/Tokyo'
    useAdminSessionStore().unlocked = true
    await flushPromises()
    const badges = wrapper
      .findAll('[data-testid="desk-result"] .badge')
      .map((b) => [b.text(), b.classes().includes('good')])
    expect(badges).toEqual([
      ['已签到 12/04 23:50', false],
      ['已签到', true],
    ])
  })
})

// @vitest-environment happy-dom
/**
 * The kiosk's admin pages as a screen-reader user meets them: what a save or an import did is
 * said from a role=status that is on the page before its words go in (a status put in with its
 * words is missed by some screen readers), and what went wrong is an alert. The roster's file
 * picker is closed while the picked file is still being read, not only once it is sent.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import AttendancePage from '../../renderer/src/admin/pages/AttendancePage.vue'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import DiagnosticsPage from '../../renderer/src/admin/pages/DiagnosticsPage.vue'
import RosterPage from '../../renderer/src/admin/pages/RosterPage.vue'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign } from './fake-kiosk-api'
import { mountWith } from './setup-app'
import { UNDER_LOAD } from '../helpers/wait'
import type * as ReadFile from '../../renderer/src/admin/read-file'

/** The picked file's read, held until the test lets it finish. */
const reads = vi.hoisted(() => ({ hold: false, release: [] as (() => void)[] }))
vi.mock('../../renderer/src/admin/read-file', async (importOriginal) => {
  const real = await importOriginal<typeof ReadFile>()
  return {
    ...real,
    readAsBase64: async (file: Blob): Promise<string> => {
      if (reads.hold) await new Promise<void>((r) => reads.release.push(r))
      return real.readAsBase64(file)
    },
  }
})

enableAutoUnmount(afterEach)
afterEach(() => {
  reads.hold = false
  for (const r of reads.release.splice(0)) r()
})

const internal = { code: 'internal', params: {} }

describe('campaign page', () => {
  it('says 活动已保存 from the status that was there before, and a failed save as an alert', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(CampaignPage, fake.api)
    useScreenStore().campaign = makeCampaign()
    await flushPromises()
    const status = wrapper.get('[role="status"]:not([data-testid])')
    expect(status.text()).toBe('')

    await wrapper.get('#c-name').setValue('春季博览会 第二天')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(fake.api.saveCampaign).toHaveBeenCalledTimes(1)
    expect(wrapper.get('[role="status"]:not([data-testid])').element).toBe(status.element)
    expect(status.text()).toBe('活动已保存')

    fake.api.saveCampaign.mockRejectedValueOnce(internal)
    await wrapper.get('#c-name').setValue('春季博览会 第三天')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await flushPromises()
    expect(status.text()).toBe('')
    expect(wrapper.get('[role="alert"]').text()).toMatch(/出错|失败|错误/)
  })
})

describe('roster page', () => {
  it('says the import from the status that was there before; the picker is closed while the file is read', async () => {
    const fake = createFakeKioskApi()
    fake.api.importRoster.mockResolvedValueOnce({ imported: 41, skipped: 0, errors: [] })
    const { wrapper } = mountWith(RosterPage, fake.api)
    const status = wrapper.get('[role="status"]')
    expect(status.text()).toBe('')
    const input = wrapper.get<HTMLInputElement>('[data-testid="roster-file"]')
    reads.hold = true
    const file = new File(['姓名\n张三\n'], 'guests.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await flushPromises()
    // Still being read: another file picked now would race this one's import.
    expect(reads.release).toHaveLength(1)
    expect(fake.api.importRoster).not.toHaveBeenCalled()
    expect(input.element.disabled).toBe(true)
    expect(wrapper.get('label.file').text()).toBe('正在导入…')

    reads.release.splice(0).forEach((r) => r())
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    expect(input.element.disabled).toBe(false)
    expect(wrapper.get('[role="status"]').element).toBe(status.element)
    expect(status.text()).toBe('已导入 41 行，跳过 0 行')
  })

  it('says a refused import as an alert', async () => {
    const fake = createFakeKioskApi()
    fake.api.importRoster.mockRejectedValueOnce(internal)
    const { wrapper } = mountWith(RosterPage, fake.api)
    const input = wrapper.get('[data-testid="roster-file"]')
    const file = new File(['姓名\n张三\n'], 'guests.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(fake.api.importRoster).toHaveBeenCalledTimes(1), UNDER_LOAD)
    await flushPromises()
    expect(wrapper.get('[role="alert"]').attributes('data-testid')).toBe('roster-problem')
  })
})

describe('what failed on the other pages is an alert', () => {
  it('settings, diagnostics and attendance', async () => {
    const settings = createFakeKioskApi()
    settings.api.getSettings.mockRejectedValueOnce(internal)
    const s = mountWith(SettingsPage, settings.api).wrapper
    const diagnostics = createFakeKioskApi()
    diagnostics.api.getDiagnostics.mockRejectedValueOnce(internal)
    const d = mountWith(DiagnosticsPage, diagnostics.api).wrapper
    const attendance = createFakeKioskApi()
    attendance.api.listCampaigns.mockRejectedValueOnce(internal)
    const a = mountWith(AttendancePage, attendance.api).wrapper
    await flushPromises()
    for (const [page, w] of [
      ['settings', s],
      ['diagnostics', d],
      ['attendance', a],
    ] as const) {
      const alerts = w.findAll('.error-text')
      expect(alerts.length, page).toBeGreaterThan(0)
      for (const e of alerts) expect(e.attributes('role'), page).toBe('alert')
    }
  })
})

// The kiosk core's zone in its screen state (ScreenState.timeZone): the booth's calendar, which a
// browser showing the kiosk web judges the campaign's days and writes times by.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { kioskTimeZone } from '../../electron/core/kiosk-core'
import { screenStateSchema } from '../../shared/ipc'

afterEach(() => {
  vi.restoreAllMocks()
})

/** The engine names `zone` as this machine's (typed as a string, as Node's typings have it). */
const named = (zone: unknown): void => {
  const base = new Intl.DateTimeFormat().resolvedOptions()
  vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockReturnValue({
    ...base,
    timeZone: zone as string,
  })
}

describe('the kiosk core’s time zone', () => {
  it('is the zone the engine names', () => {
    named('Asia/Shanghai')
    expect(kioskTimeZone()).toBe('Asia/Shanghai')
  })

  it('is null where the engine names none (Node with a TZ it does not know: undefined)', () => {
    for (const zone of [undefined, '', 'x'.repeat(65)]) {
      named(zone)
      expect(kioskTimeZone()).toBeNull()
    }
  })

  it('is one the screen state takes', () => {
    expect(screenStateSchema.shape.timeZone.parse(kioskTimeZone())).toBe(kioskTimeZone())
  })
})

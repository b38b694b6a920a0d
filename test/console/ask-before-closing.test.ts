// The console's "ask before the tab closes" (campaign editor with unsaved edits, a roster
// upload under way): the way Chrome 119+ reads it and the way older Chromium (the console's
// build target, in-app browsers) does, which shows no dialog unless returnValue is set.
import { describe, expect, it, vi } from 'vitest'
import { askBeforeClosing } from '../../console/src/composables/ask-before-closing'

describe('askBeforeClosing', () => {
  it('cancels the event and sets its returnValue', () => {
    const event = { preventDefault: vi.fn(), returnValue: '' as unknown }
    askBeforeClosing(event as unknown as BeforeUnloadEvent)
    expect(event.preventDefault).toHaveBeenCalledTimes(1)
    expect(event.returnValue).toBeTruthy()
  })
})

// @vitest-environment happy-dom
// A wall on a hidden tab (no animation frames: the stream's events wait for the next one) when a
// guest is erased: the erasure's snapshot comes first and removes the guest's tile; the guest's
// earlier check-in, still waiting for a frame, must not put it back when the tab is shown.
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ScreenApp from '../../console/src/screen/ScreenApp.vue'
import type { ScreenEvent, WallSnapshot } from '../../shared/screen-api'
import { UNDER_LOAD } from '../helpers/wait'

type Listener = (m: MessageEvent<string>) => void

class FakeEventSource {
  static made: FakeEventSource[] = []
  onopen: (() => void) | null = null
  onmessage: Listener | null = null
  onerror: (() => void) | null = null

  constructor(readonly url: string) {
    FakeEventSource.made.push(this)
    setTimeout(() => this.onopen?.(), 0)
  }
  addEventListener(): void {}
  emit(e: ScreenEvent): void {
    this.onmessage?.({ data: JSON.stringify(e) } as MessageEvent<string>)
  }
  close(): void {}
}

const campaign = { id: 'c1', name: '春季展' }

afterEach(() => {
  vi.unstubAllGlobals()
  FakeEventSource.made = []
})

describe('the wall on a hidden tab', () => {
  it("keeps an erased guest's tile off when their check-in was still waiting for a frame", async () => {
    window.history.replaceState(null, '', '/screen/c1/wall?key=k')
    // A hidden tab: frames asked for run only when the test shows the tab.
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb))
    vi.stubGlobal('EventSource', FakeEventSource)
    const snapshots: WallSnapshot[] = [
      { campaign, count: 1, recent: [{ number: 1, name: '王小明', at: 1_000 }], draw: null },
      // After guest 2 was erased: the relay's word on numbers up to 2 carries only 1.
      { campaign, count: 2, recent: [{ number: 1, name: '王小明', at: 1_000 }], draw: null },
    ]
    let reads = 0
    vi.stubGlobal('fetch', () => {
      const s = snapshots[Math.min(reads++, snapshots.length - 1)]
      return Promise.resolve(new Response(JSON.stringify(s), { status: 200 }))
    })
    const app = mount(ScreenApp)
    const tiles = (): string[] => app.findAll('.tile').map((t) => t.text())
    await vi.waitFor(() => expect(tiles().join()).toContain('王小明'), UNDER_LOAD)

    const es = FakeEventSource.made[0]!
    es.emit({ type: 'checkins', count: 2, checkins: [{ number: 2, name: '李雷', at: 2_000 }] })
    es.emit({ type: 'erasure' })
    // The erasure's snapshot is shown (its count is the only thing it changes on screen).
    await vi.waitFor(
      () => expect(app.get('[data-testid="wall-count"]').text()).toBe('2'),
      UNDER_LOAD,
    )
    expect(reads).toBe(2)
    // The tab is shown: the frames asked for run.
    for (const cb of frames.splice(0)) cb(0)
    await flushPromises()
    expect(app.get('[data-testid="wall-count"]').text()).toBe('2')
    expect(tiles().join()).not.toContain('李雷')
    expect(tiles()).toHaveLength(1)
    app.unmount()
  })
})

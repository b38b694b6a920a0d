import type { BrowserWindow } from 'electron'
import { describe, expect, it } from 'vitest'
import { guardKioskWindow } from '../../electron/main/crash-guard'
import { createCrashPolicy, type CrashAction } from '../../electron/main/crash-policy'
import { FakeBrowserWindow, memoryLogger } from './fakes'

const MINUTE = 60_000

function clock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('crash policy', () => {
  it('reloads, then relaunches, then stops across relaunches', () => {
    const time = clock()
    let saved: number[] = []
    const policy = createCrashPolicy({
      now: time.now,
      maxReloads: 3,
      crashWindowMs: 2 * MINUTE,
      maxRelaunches: 2,
      relaunchWindowMs: 15 * MINUTE,
      load: () => saved,
      save: (v) => (saved = v),
    })
    const actions: CrashAction[] = []
    for (let i = 0; i < 4; i++) {
      actions.push(policy.onCrash())
      time.advance(5_000)
    }
    expect(actions).toEqual(['reload', 'reload', 'reload', 'relaunch'])
    expect(saved).toHaveLength(1)

    // The relaunched process loads the history and goes through the same steps once more…
    const afterFirst = createCrashPolicy({
      now: time.now,
      load: () => saved,
      save: (v) => (saved = v),
    })
    const second: CrashAction[] = []
    for (let i = 0; i < 4; i++) second.push(afterFirst.onCrash())
    expect(second).toEqual(['reload', 'reload', 'reload', 'relaunch'])

    // …and after the second relaunch it gives up instead of flapping.
    const afterSecond = createCrashPolicy({
      now: time.now,
      load: () => saved,
      save: (v) => (saved = v),
    })
    const third: CrashAction[] = []
    for (let i = 0; i < 4; i++) third.push(afterSecond.onCrash())
    expect(third).toEqual(['reload', 'reload', 'reload', 'stop'])
    expect(afterSecond.stopped).toBe(true)
    expect(afterSecond.onCrash()).toBe('stop')
  })

  it('never escalates crashes that are far apart', () => {
    const time = clock()
    const policy = createCrashPolicy({ now: time.now, crashWindowMs: 2 * MINUTE })
    for (let i = 0; i < 20; i++) {
      expect(policy.onCrash()).toBe('reload')
      time.advance(3 * MINUTE)
    }
  })

  it('forgets old relaunches', () => {
    const time = clock()
    const longAgo = [time.now() - 60 * MINUTE, time.now() - 50 * MINUTE]
    const policy = createCrashPolicy({ now: time.now, maxReloads: 0, load: () => longAgo })
    expect(policy.onCrash()).toBe('relaunch')
  })

  it('ignores a corrupt history', () => {
    const time = clock()
    const policy = createCrashPolicy({
      now: time.now,
      maxReloads: 0,
      load: () => ['x', null, Number.NaN] as unknown as number[],
    })
    expect(policy.onCrash()).toBe('relaunch')
  })
})

function guarded(options: { maxReloads?: number; maxRelaunches?: number } = {}) {
  const time = clock()
  const win = new FakeBrowserWindow({})
  const events: string[] = []
  const state = { quitting: false }
  const policy = createCrashPolicy({ now: time.now, ...options })
  guardKioskWindow({
    window: win as unknown as BrowserWindow,
    policy,
    log: memoryLogger(),
    relaunch: () => events.push('relaunch'),
    onStop: () => events.push('stop'),
    quitting: () => state.quitting,
  })
  const gone = (reason = 'crashed') =>
    win.webContents.emit('render-process-gone', {}, { reason, exitCode: 1 })
  return { win, events, state, gone, policy }
}

describe('crash guard', () => {
  it('reloads a crashed renderer, relaunches when it keeps crashing, stops on a loop', () => {
    const { win, events, gone } = guarded({ maxReloads: 2, maxRelaunches: 0 })
    gone()
    gone('oom')
    expect(win.webContents.reloads).toBe(2)
    gone()
    expect(events).toEqual(['stop'])
    expect(win.loadedUrls.at(-1)).toMatch(/^data:text\/html/)
    expect(decodeURIComponent(win.loadedUrls.at(-1) ?? '')).toContain('restart ScanDesk')
    // Stopped: no more reloads, no flapping.
    gone()
    expect(win.webContents.reloads).toBe(2)
    expect(win.loadedUrls).toHaveLength(1)
  })

  it('relaunches the app once reloads are used up', () => {
    const { events, gone } = guarded({ maxReloads: 1, maxRelaunches: 1 })
    gone()
    gone()
    expect(events).toEqual(['relaunch'])
  })

  it('kills and reloads a hung renderer, counting the hang once', () => {
    const { win, gone, policy } = guarded({ maxReloads: 2 })
    win.emit('unresponsive')
    expect(win.webContents.forcedCrashes).toBe(1)
    expect(win.webContents.reloads).toBe(1)
    // Electron reports the renderer we killed as gone: not a second crash.
    gone('killed')
    expect(win.webContents.reloads).toBe(1)
    // One real crash later we are still reloading (2 of 2), not relaunching.
    gone()
    expect(win.webContents.reloads).toBe(2)
    expect(policy.stopped).toBe(false)
  })

  it('ignores renderers that go away while the app quits, and clean exits', () => {
    const { win, events, state, gone } = guarded({ maxReloads: 0, maxRelaunches: 0 })
    gone('clean-exit')
    state.quitting = true
    gone('crashed')
    win.emit('unresponsive')
    expect(events).toEqual([])
    expect(win.webContents.reloads).toBe(0)
  })
})

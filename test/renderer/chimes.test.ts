// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** A stand-in for HTMLAudioElement: what the chimes module asks of a player. */
class FakeAudio {
  static made: FakeAudio[] = []
  preload = ''
  currentTime = 7
  loads = 0
  plays = 0
  constructor(readonly src: string) {
    FakeAudio.made.push(this)
  }
  load(): void {
    this.loads++
  }
  play(): Promise<void> {
    this.plays++
    return Promise.resolve()
  }
}

// The module keeps its players: a fresh copy per test.
async function chimes() {
  vi.resetModules()
  return import('../../renderer/src/audio/chimes')
}

describe('chimes', () => {
  beforeEach(() => {
    FakeAudio.made = []
    vi.stubGlobal('Audio', FakeAudio)
  })
  afterEach(() => vi.unstubAllGlobals())

  it('preloads one player per kind, which the greetings then play from the start', async () => {
    const { playChime, preloadChimes } = await chimes()
    preloadChimes()
    expect(FakeAudio.made).toHaveLength(3)
    expect(new Set(FakeAudio.made.map((a) => a.src)).size).toBe(3)
    expect(FakeAudio.made.every((a) => a.preload === 'auto' && a.loads === 1)).toBe(true)
    expect(FakeAudio.made.every((a) => a.plays === 0)).toBe(true)
    // The screen mounts again (back from the admin area): nothing is made or fetched again.
    preloadChimes()
    expect(FakeAudio.made).toHaveLength(3)
    expect(FakeAudio.made.every((a) => a.loads === 1)).toBe(true)

    playChime('welcome-back')
    playChime('welcome-back')
    // No new player: the preloaded one, rewound each time.
    expect(FakeAudio.made).toHaveLength(3)
    const played = FakeAudio.made.filter((a) => a.plays > 0)
    expect(played).toHaveLength(1)
    expect(played[0]?.plays).toBe(2)
    expect(played[0]?.currentTime).toBe(0)
  })

  it('still plays a chime that was never preloaded, and never throws without audio', async () => {
    const { playChime, preloadChimes } = await chimes()
    playChime('named')
    expect(FakeAudio.made).toHaveLength(1)
    expect(FakeAudio.made[0]?.plays).toBe(1)

    vi.stubGlobal(
      'Audio',
      class {
        constructor() {
          throw new Error('no audio here')
        }
      },
    )
    const fresh = await chimes()
    expect(() => fresh.preloadChimes()).not.toThrow()
    expect(() => fresh.playChime('first-visit')).not.toThrow()
    // Audio back: the players that failed were not kept, so a later preload makes them.
    vi.stubGlobal('Audio', FakeAudio)
    fresh.preloadChimes()
    expect(FakeAudio.made).toHaveLength(4)
    // The first copy keeps its own player for 'named' and makes the two others.
    preloadChimes()
    expect(FakeAudio.made).toHaveLength(6)
  })
})

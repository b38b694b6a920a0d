/** What a big screen reads from its page: which screen, the key, the language. */
import { ref, type Ref } from 'vue'
import { screenLang, wallNamesMasked, type ScreenLang } from './screen-text'

export interface ScreenPage {
  kind: 'wall' | 'draw'
  campaignId: string
  key: string
  lang: ScreenLang
  /** The wall's link asked for roster names partly hidden (`&names=masked`); whole otherwise. */
  maskNames: boolean
}

export function readScreenPage(): ScreenPage {
  const match = /^\/screen\/([^/]+)\/(wall|draw)\/?$/.exec(window.location.pathname)
  let campaignId: string
  try {
    campaignId = decodeURIComponent(match?.[1] ?? '')
  } catch {
    campaignId = ''
  }
  const lang = screenLang(window.location.search)
  document.documentElement.lang = lang
  return {
    kind: match?.[2] === 'draw' ? 'draw' : 'wall',
    campaignId,
    key: new URLSearchParams(window.location.search).get('key') ?? '',
    lang,
    maskNames: wallNamesMasked(window.location.search),
  }
}

/**
 * Whether the screen's viewer asked for reduced motion (`prefers-reduced-motion`), followed while
 * the page is up: a wall or draw stage stays open for days, and the setting turned on meanwhile
 * (the TV's or the laptop's) took effect only on a reload. `stop` ends the following.
 */
export function reducedMotion(): { on: Readonly<Ref<boolean>>; stop: () => void } {
  const query = window.matchMedia('(prefers-reduced-motion: reduce)')
  const on = ref(query.matches)
  const changed = (): void => {
    on.value = query.matches
  }
  query.addEventListener('change', changed)
  return { on, stop: () => query.removeEventListener('change', changed) }
}

/** Runs `fn` before the next paint (once however often it is asked until then). */
export function frameBatcher(fn: () => void): () => void {
  let asked = false
  return () => {
    if (asked) return
    asked = true
    window.requestAnimationFrame(() => {
      asked = false
      fn()
    })
  }
}

/** How often a big screen moves by a step of its slow orbit (`driftAt`). */
export const DRIFT_STEP_MS = 5 * 60_000
/** The orbit's steps: one lap an hour. */
const DRIFT_STEPS = 12
/**
 * The orbit's radius, in vmin: 3 px at 1080p, 6 px on 4K. The screen keeps 3% of each edge clear
 * (screen.css `.screen`) and a TV's overscan cuts about 2.5%: the orbit stays inside the rest.
 */
const DRIFT_RADIUS_VMIN = 0.3

/**
 * Where a big screen's content is at `now`: `x` right and `y` down of its place, in vmin, a few
 * pixels round a small circle, a step every `DRIFT_STEP_MS`. A wall or draw stage stays up for
 * days on a plasma or OLED panel, and a picture that never moves (the campaign's name, the
 * labels, the tiles' frames) burns in. From the clock, not a counter: every screen of a campaign,
 * and a reloaded one, is at the same place.
 */
export function driftAt(now: number): { x: number; y: number } {
  const step = Math.floor(now / DRIFT_STEP_MS) % DRIFT_STEPS
  const angle = (2 * Math.PI * step) / DRIFT_STEPS
  return { x: DRIFT_RADIUS_VMIN * Math.cos(angle), y: DRIFT_RADIUS_VMIN * Math.sin(angle) }
}

/** A repeating timer and the clock it runs on, for the draw's roll and the screen's drift. */
export const ticker = {
  now: (): number => window.performance.now(),
  every: (ms: number, fn: () => void): (() => void) => {
    const id = window.setInterval(fn, ms)
    return () => window.clearInterval(id)
  },
}

/** The smallest `--fit` a stage may shrink its contents to (a fifth of their size). */
const MIN_FIT = 0.2

/**
 * Shrinks `el`'s contents (whatever its CSS sizes by `var(--fit)`) in 10% steps until they fit
 * in its box: 1 when they fit as they are.
 */
export function fitInside(el: HTMLElement): number {
  let fit = 1
  el.style.setProperty('--fit', '1')
  const over = (): boolean =>
    el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1
  while (fit > MIN_FIT && over()) {
    fit *= 0.9
    el.style.setProperty('--fit', fit.toFixed(3))
  }
  return fit
}

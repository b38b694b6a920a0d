/**
 * The colours of a chart's text (axis labels, legend) and grid lines, for the kiosk's and the
 * console's charts. Chart.js draws on canvas, which Windows high contrast (forced colours) does
 * not recolour: the page's slate-grey labels stayed slate grey on a dark theme's black (about
 * 2.6:1), nearly invisible, while every other text on the page turned the theme's. Under forced
 * colours the chart takes the theme's text colour (CanvasText) and its disabled-text colour for
 * the grid (GrayText), followed as the theme is switched on, off or changed (from a dark
 * high-contrast theme to a light one forced colours stay on: only the colour scheme says so);
 * otherwise the page's own colours.
 */
import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue'

export interface ChartColours {
  /** Axis labels and legend. */
  text: string
  /** Grid lines. */
  grid: string
}

const FORCED = '(forced-colors: active)'
const DARK = '(prefers-color-scheme: dark)'

/** A system colour as the page resolves it now (`rgb(…)`): the canvas needs the theme's value. */
function systemColour(keyword: 'CanvasText' | 'GrayText'): string {
  const probe = document.createElement('span')
  probe.style.color = keyword
  document.body.appendChild(probe)
  const colour = getComputedStyle(probe).color
  probe.remove()
  return colour
}

export function useChartColours(own: ChartColours): Readonly<Ref<ChartColours>> {
  const forced = window.matchMedia(FORCED)
  const read = (): ChartColours =>
    forced.matches ? { text: systemColour('CanvasText'), grid: systemColour('GrayText') } : own
  const colours = ref<ChartColours>(read())
  const changed = (): void => {
    colours.value = read()
  }
  const queries = [forced, window.matchMedia(DARK)]
  for (const q of queries) q.addEventListener('change', changed)
  if (getCurrentScope())
    onScopeDispose(() => {
      for (const q of queries) q.removeEventListener('change', changed)
    })
  return colours
}

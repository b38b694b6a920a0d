/**
 * The campaigns list as an organizer with a season's worth of campaigns reads it: what runs
 * first, then what comes next, then what is over, and narrowed by a search and a phase.
 *
 * Order (campaignOrder):
 * 1. running: the one ending soonest first (an open end after every dated end), then campaigns
 *    without dates (they run every day: the relay counts their scans on any day);
 * 2. not started: the one starting soonest first;
 * 3. ended: the one that ended last first (newest first).
 * Within the same day, by name (Chinese collation, numbers in number order: 年会 7 before 年会 37),
 * then by id, so the order never jumps.
 *
 * The search folds names as the attendance and roster searches do (shared/search-fold.ts:
 * full width, case, accents, spaces and punctuation), and also finds a campaign by its id.
 * The filter's and the search's state live in the page's hash query
 * (`#/campaigns?phase=ended&q=spring`), so a reload or a shared link keeps them.
 */
import type { CampaignPhase } from '../../../shared/campaign-phase'
import { searchFold } from '../../../shared/search-fold'
import { hashParams } from '../composables/use-route'

export const PHASE_FILTERS = ['all', 'running', 'not-started', 'ended'] as const
export type PhaseFilter = (typeof PHASE_FILTERS)[number]

/** What the list orders and filters: a campaign's name, id and dates. */
export interface ListedCampaign {
  id: string
  name: string
  startsAt: string | null
  endsAt: string | null
}

/** A campaign without dates runs on any day: listed and filtered with the running ones. */
export type ListPhase = CampaignPhase

const RANK: Record<ListPhase, number> = { running: 0, 'not-started': 1, ended: 2 }

/** One collator for every comparison (localeCompare with options builds one per call). */
const NAMES = new Intl.Collator('zh-CN', { numeric: true })

function byName(a: ListedCampaign, b: ListedCampaign): number {
  return NAMES.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** The running, then not started, then ended order described above. */
export function campaignOrder<C extends ListedCampaign>(
  list: readonly C[],
  phaseOf: (c: C) => ListPhase,
): C[] {
  const phases = new Map(list.map((c) => [c, phaseOf(c)]))
  const phase = (c: C): ListPhase => phases.get(c) ?? 'running'
  return [...list].sort((a, b) => {
    const pa = phase(a)
    const pb = phase(b)
    if (pa !== pb) return RANK[pa] - RANK[pb]
    let diff: number
    if (pa === 'running') {
      // Dated ends first (soonest first), then an open end, then no dates at all.
      const ka = a.endsAt ?? (a.startsAt ? '~' : '~~')
      const kb = b.endsAt ?? (b.startsAt ? '~' : '~~')
      diff = ka < kb ? -1 : ka > kb ? 1 : 0
    } else if (pa === 'not-started') {
      const ka = a.startsAt ?? ''
      const kb = b.startsAt ?? ''
      diff = ka < kb ? -1 : ka > kb ? 1 : 0
    } else {
      const ka = a.endsAt ?? ''
      const kb = b.endsAt ?? ''
      diff = ka > kb ? -1 : ka < kb ? 1 : 0
    }
    return diff || byName(a, b)
  })
}

/** A campaign matches a query when its folded name or id holds the folded query. */
export function campaignMatcher(query: string): (c: ListedCampaign) => boolean {
  const q = searchFold(query)
  if (q === '') return () => true
  return (c) => searchFold(c.name).includes(q) || searchFold(c.id).includes(q)
}

/** `list` in order, narrowed to `filter`'s phase and the `query`. */
export function campaignView<C extends ListedCampaign>(
  list: readonly C[],
  phaseOf: (c: C) => ListPhase,
  filter: PhaseFilter,
  query: string,
): C[] {
  const matches = campaignMatcher(query)
  // Narrowed first: the order then sorts only what is shown.
  return campaignOrder(
    list.filter((c) => (filter === 'all' || phaseOf(c) === filter) && matches(c)),
    phaseOf,
  )
}

/** The longest search kept in the hash (the input takes no more). */
export const MAX_QUERY = 64

export interface ListState {
  phase: PhaseFilter
  q: string
}

/** The list's state from a hash (`#/campaigns?phase=ended&q=…`); defaults for anything else. */
export function parseListState(hash: string): ListState {
  const params = hashParams(hash)
  const phaseParam = params.get('phase')
  const phase = PHASE_FILTERS.find((p) => p === phaseParam) ?? 'all'
  return { phase, q: (params.get('q') ?? '').slice(0, MAX_QUERY) }
}

/** The hash for the list in `state`: bare `#/campaigns` with the defaults. */
export function listHash(state: ListState): string {
  const params = new URLSearchParams()
  if (state.phase !== 'all') params.set('phase', state.phase)
  if (state.q.trim() !== '') params.set('q', state.q)
  const query = params.toString()
  return query === '' ? '#/campaigns' : `#/campaigns?${query}`
}

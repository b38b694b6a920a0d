import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RosterEntry, ScreenTicket } from '../../../shared/domain'
import { sameLocalDay } from '../../../shared/format'
import { useKioskApi } from '../bridge/api-key'
import { kioskStreamSignals } from '../bridge/web-client'
import { useAdminSessionStore } from './admin-session'
import { useScreenStore } from './screen'

/**
 * A guest's latest check-in as the desk shows it: today's (✓ 已签到), or an earlier day's of a
 * multi-day event (已签到 12/04 09:12), whose guest still needs their code to check in today.
 */
export interface DeskCheckIn {
  at: number
  today: boolean
}

/** Desk mode: find a registered guest, show their personal code, see them check in. */
export const useDeskStore = defineStore('desk', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()
  /** Today is the kiosk core's day (its zone), also in a browser set to another (kiosk web). */
  const screen = useScreenStore()

  const query = ref('')
  const results = ref<RosterEntry[]>([])
  /**
   * The search (trimmed) whose answer `results` are; null while they answer none: before the
   * first answer, after the booth moved to another campaign (the results went with it), after a
   * search failed (the results go then too). An empty answer to '' is the page's "no roster yet"; to text, "no match".
   */
  const answered = ref<string | null>(null)
  const ticket = ref<ScreenTicket | null>(null)
  /**
   * Roster entry ids seen checking in while this page is open, each with the time of its latest
   * check-in: from the live events, and from a re-read of the results (the page re-reads them
   * each time it is shown, as after unlocking again: a check-in while the admin area was locked
   * sent the renderer no event). Only those of the kiosk's current day count: the store outlives
   * the page, and a desk left open overnight must not show day 1's guests as checked in on
   * day 2. Set in place (Vue's reactive Map tracks `get` per id): a copy per check-in grew
   * quadratic with the desk's check-ins.
   */
  const checkedIn = ref(new Map<string, number>())
  let searchSeq = 0
  /**
   * Counts the codes asked for (and campaign moves): an answer to an earlier ask, come after a
   * later one, is another guest's code (or another campaign's) and is dropped, as its refusal.
   */
  let ticketSeq = 0
  /** The shown guest's check-in time as the results had it when their code was shown. */
  let shownCheckedInAt: number | null = null
  /** When the shown code went up (this page's clock, as `now`): null with none shown. */
  let shownAt: number | null = null
  /** The guest whose code was shown last, for a fresh code once it expired (`showAgain`). */
  let shownEntry: RosterEntry | null = null
  /** The campaign the results, marks and code are of (the core searches the active one's). */
  let campaignId: string | null = null

  /**
   * The booth's campaign is `id` (the relay moved it, or the admin chose another): what was
   * found, marked and shown under another campaign goes, none of it mixed into this one's.
   * From none (or not yet known: the screen state is still being read) nothing is dropped.
   * Returns whether it changed (the results are then to be read again).
   */
  function follow(id: string | null): boolean {
    if (id === campaignId) return false
    const before = campaignId
    campaignId = id
    if (before === null) return true
    searchSeq++
    ticketSeq++
    results.value = []
    answered.value = null
    ticket.value = null
    shownEntry = null
    shownCheckedInAt = null
    shownAt = null
    checkedIn.value.clear()
    return true
  }

  async function search(text: string = query.value): Promise<void> {
    query.value = text
    const mine = ++searchSeq
    let found: RosterEntry[]
    try {
      found = await session.run(() => api.searchRoster({ query: text.trim(), limit: 50 }))
    } catch (e) {
      // A search typed over since: its refusal is not the list's (beside a later search's
      // guests, it read as that search failed).
      if (mine !== searchSeq) return
      // The earlier answer's guests go too: listed beside the error under the new text, they
      // read as this search's and staff could show a code it never found.
      results.value = []
      answered.value = null
      throw e
    }
    if (mine !== searchSeq) return
    results.value = found
    answered.value = text.trim()
    noteCheckInSinceTicket(found)
  }

  /** The guest whose code is shown checked in since it was shown (the code is then used). */
  function noteCheckInSinceTicket(found: RosterEntry[]): void {
    const shown = ticket.value?.rosterEntry
    if (!shown) return
    const now = found.find((e) => e.id === shown.id)
    if (now && now.checkedInAt !== null && now.checkedInAt !== shownCheckedInAt) {
      mark(shown.id, now.checkedInAt)
    }
  }

  function mark(id: string, at: number): void {
    const before = checkedIn.value.get(id)
    if (before === undefined || at > before) checkedIn.value.set(id, at)
  }

  /**
   * Another guest's code: the one on show goes at once, before the kiosk answers (or refuses),
   * so it is never turned to this guest and scanned as theirs. The same guest's (a fresh code
   * for an expired one) stays until the new one is in. Only the last ask's answer (or refusal)
   * is shown: the kiosk may answer two asks in reverse order, and the earlier guest's code, come
   * last, would be up under the later guest's click.
   */
  async function showTicket(entry: RosterEntry): Promise<void> {
    if (ticket.value?.rosterEntry?.id !== entry.id) ticket.value = null
    const mine = ++ticketSeq
    let shown: ScreenTicket
    try {
      shown = await session.run(() => api.showDeskTicket({ rosterEntryId: entry.id }))
    } catch (e) {
      if (mine !== ticketSeq) return
      throw e
    }
    if (mine !== ticketSeq) return
    shownCheckedInAt = entry.checkedInAt
    shownAt = Date.now()
    shownEntry = entry
    ticket.value = shown
  }

  /** A fresh code for the guest whose code was shown last (it expired on the page). */
  async function showAgain(): Promise<void> {
    if (shownEntry) await showTicket(shownEntry)
  }

  /** The entry's latest check-in the desk knows of, as of `now` (the kiosk's clock); or none. */
  function checkInOf(entry: RosterEntry, now: number): DeskCheckIn | null {
    const at = Math.max(entry.checkedInAt ?? -1, checkedIn.value.get(entry.id) ?? -1)
    return at < 0 ? null : { at, today: sameLocalDay(at, now, screen.timeZone) }
  }

  /**
   * The guest whose code is shown checked in while the page was open, today or on the day the
   * code went up: ✓, no code. The day the code went up keeps the tick past midnight (a guest of
   * a party checked in at 23:59 saw their used code come back at 00:00, to be scanned again);
   * an earlier day's check-in (the desk left open overnight, the code shown again the next
   * morning, or day 1's scan delivered late) is not this code's.
   */
  function shownGuestDone(now: number): boolean {
    const shown = ticket.value?.rosterEntry
    const at = shown ? checkedIn.value.get(shown.id) : undefined
    if (at === undefined) return false
    return (
      sameLocalDay(at, now, screen.timeZone) ||
      (shownAt !== null && sameLocalDay(at, shownAt, screen.timeZone))
    )
  }

  /**
   * Follows check-ins and roster replacements; returns the unsubscribe function. Web mode: when the event stream comes
   * back after a drop, the marks sent meanwhile are gone, so the results are read again.
   */
  function listen(): () => void {
    const stops = [
      // When the guest scanned: the check-in time the kiosk stored (its clock, which the desk's
      // today is read by; WeChat's time is hours off it on a booth clock set wrong), else
      // WeChat's, never later than now. A scan delivered the morning after is not a check-in of
      // that morning.
      api.on('attendance', (row) => {
        if (!row.rosterEntryId) return
        mark(row.rosterEntryId, row.checkedInAt ?? Math.min(Date.now(), row.createTime * 1000))
      }),
      // The booth's roster was replaced (a roster in one frame, a read after the campaign that
      // moved the booth, shows no transfer in the status): the results read at the move were
      // of none of it.
      api.on('roster', (replaced) => {
        if (campaignId !== null && replaced.campaignId !== campaignId) return
        void search().catch(() => undefined)
      }),
    ]
    const reopen = kioskStreamSignals(api)?.onReopen(() => void search().catch(() => undefined))
    if (reopen) stops.push(reopen)
    return () => stops.forEach((stop) => stop())
  }

  return {
    query,
    results,
    answered,
    ticket,
    search,
    follow,
    showTicket,
    showAgain,
    checkInOf,
    shownGuestDone,
    listen,
  }
})

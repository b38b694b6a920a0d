import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RosterEntry, ScreenTicket } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'
import { useAdminSessionStore } from './admin-session'

/** Desk mode: find a registered guest, show their personal code, see them check in. */
export const useDeskStore = defineStore('desk', () => {
  const api = useKioskApi()
  const session = useAdminSessionStore()

  const query = ref('')
  const results = ref<RosterEntry[]>([])
  const ticket = ref<ScreenTicket | null>(null)
  /** Roster entry ids seen checking in while this page is open. */
  const checkedIn = ref(new Set<string>())
  let searchSeq = 0

  async function search(text: string = query.value): Promise<void> {
    query.value = text
    const mine = ++searchSeq
    const found = await session.run(() => api.searchRoster({ query: text.trim(), limit: 50 }))
    if (mine === searchSeq) results.value = found
  }

  async function showTicket(entry: RosterEntry): Promise<void> {
    ticket.value = await session.run(() => api.showDeskTicket({ rosterEntryId: entry.id }))
  }

  function isCheckedIn(entry: RosterEntry): boolean {
    return entry.checkedInAt !== null || checkedIn.value.has(entry.id)
  }

  function listen(): () => void {
    return api.on('attendance', (row) => {
      if (!row.rosterEntryId) return
      checkedIn.value = new Set(checkedIn.value).add(row.rosterEntryId)
    })
  }

  return { query, results, ticket, checkedIn, search, showTicket, isCheckedIn, listen }
})

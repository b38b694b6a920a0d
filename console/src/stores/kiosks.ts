/**
 * The booth list (`GET /console/api/kiosks`), refreshed live, and adding, re-pairing,
 * revoking booths and clearing a booth's admin PIN lockout.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AddKioskResponse, ConsoleKiosk } from '../../../shared/console-api'
import { useConsoleApi } from '../api/api-key'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import { coalesce } from './coalesce'
import { followers } from './follow'

export const useKiosksStore = defineStore('console-kiosks', () => {
  const api = useConsoleApi()
  const list = ref<ConsoleKiosk[]>([])
  const loaded = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  /** When the list was last read (epoch ms): what it says is as of then. */
  const fetchedAt = ref<number | null>(null)
  const { followed, follow } = followers()
  /** The pairing code just created, shown until the organizer closes it or asks for another. */
  const pairing = ref<AddKioskResponse | null>(null)
  /**
   * The code on show has been used: the list showed its booth waiting for the code, and then
   * not, in a list read back before the code's expiry (a booth re-paired on another laptop is
   * listed as not waiting before the first refresh, so "not waiting" alone proves nothing; and
   * the relay stops listing a booth as waiting once its code expires unused).
   */
  const pairingUsed = ref(false)
  let sawWaiting = false

  function showPairing(code: AddKioskResponse): void {
    pairing.value = code
    pairingUsed.value = false
    sawWaiting = false
  }

  /** `readBy`: a time the list had been answered by (the relay judged expiry before it). */
  function notePairing(readBy: number): void {
    const shown = pairing.value
    if (shown === null || pairingUsed.value) return
    const booth = list.value.find((k) => k.id === shown.id)
    if (booth?.pairingPending === true) sawWaiting = true
    else if (
      sawWaiting &&
      booth !== undefined &&
      booth.revoked !== true &&
      readBy < shown.expiresAt
    )
      pairingUsed.value = true
  }

  const refresh = coalesce(async () => {
    try {
      list.value = await api.kiosks()
      fetchedAt.value = Date.now()
      notePairing(fetchedAt.value)
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = toConsoleError(e)
    }
  })

  /** Counts the codes asked for: only the last ask's code is put on the card. */
  let pairingSeq = 0

  /**
   * Another code asked for: the card on show goes at once, before the relay answers (or
   * refuses), so its code is never typed at the laptop this one is for (pairing it as the other
   * booth). The relay may answer two asks in reverse order: an earlier ask's code (another
   * booth's) come after a later ask is not put up under the later click. Throws the API's error;
   * with `lastOnly`, only while this ask is still the last.
   */
  async function askPairing(
    ask: () => Promise<AddKioskResponse>,
    { lastOnly }: { lastOnly: boolean },
  ): Promise<void> {
    pairing.value = null
    pairingUsed.value = false
    const mine = ++pairingSeq
    let code: AddKioskResponse
    try {
      code = await ask()
    } catch (e) {
      if (lastOnly && mine !== pairingSeq) return
      throw e
    }
    void refresh()
    if (mine === pairingSeq) showPairing(code)
  }

  /**
   * A new booth and its first code. Throws the API's error, also when another code was asked
   * for since (the add form says why this id was not added); on success the code is in `pairing`.
   */
  async function add(id: string): Promise<void> {
    await askPairing(() => api.addKiosk(id), { lastOnly: false })
  }

  /**
   * A new code for a booth that exists; shown like a new booth's. A refusal come after another
   * code was asked for is of a booth no longer being paired, and is not thrown (the page would
   * show it beside that other booth's card).
   */
  async function repair(id: string): Promise<void> {
    await askPairing(() => api.pairKiosk(id), { lastOnly: true })
  }

  async function revoke(id: string): Promise<void> {
    await api.revokeKiosk(id)
    await refresh()
  }

  /** Clears the booth's admin PIN lockout (throws the API's error: 409 when it is offline). */
  async function adminUnlock(id: string): Promise<void> {
    await api.adminUnlockKiosk(id)
  }

  return {
    followed,
    follow,
    list,
    loaded,
    error,
    fetchedAt,
    pairing,
    pairingUsed,
    refresh,
    add,
    repair,
    revoke,
    adminUnlock,
  }
})

/**
 * One campaign's lucky draws (issue 21): the list (newest first, as the relay stores them),
 * starting a draw and redrawing an absent winner. The relay draws and stores; this only asks
 * and shows what it answered.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useConsoleApi } from '../api/api-key'
import { toConsoleError, type ConsoleApiError } from '../api/errors'
import type { DrawAnswer, DrawRequest } from '../../../shared/screen-api'

/** A draw's answer, or `'drawn-before'`: the prize was drawn already, nothing was drawn now. */
export type DrawOutcome = DrawAnswer | 'drawn-before'

/** A failure after which the relay may still have stored what was asked. */
export function answerMayBeLost(error: ConsoleApiError): boolean {
  return error.code === 'network' || error.code === 'bad_response' || error.code === 'internal'
}

export const useDrawsStore = defineStore('console-draws', () => {
  const api = useConsoleApi()
  const campaignId = ref<string | null>(null)
  const list = ref<DrawAnswer[]>([])
  const loading = ref(false)
  const busy = ref(false)
  const error = ref<ConsoleApiError | null>(null)
  let asked = 0

  /**
   * Reads campaign `id`'s draws. `quiet`: a refresh of the one on show (another organizer may
   * have drawn), skipped while this page is drawing and without the loading state.
   */
  async function open(id: string, quiet = false): Promise<void> {
    if (quiet && (busy.value || loading.value || campaignId.value !== id)) return
    if (campaignId.value !== id) list.value = []
    campaignId.value = id
    const ask = ++asked
    if (!quiet) loading.value = true
    try {
      const draws = await api.draws(id)
      if (ask === asked) {
        list.value = draws
        error.value = null
      }
    } catch (e) {
      if (ask === asked) error.value = toConsoleError(e)
    } finally {
      if (ask === asked) loading.value = false
    }
  }

  /** The rounds of `prize` on the list (a prize is its trimmed name), newest first. */
  function ofPrize(prize: string): DrawAnswer[] {
    const name = prize.trim()
    return list.value.filter((d) => d.prize.trim() === name)
  }

  /**
   * The stored record replaces or joins the list (newest first), if the list is still its
   * campaign's: one answered after the organizer opened another campaign is not shown there
   * (nor does it void that campaign's read); its own list has it when opened again.
   */
  function keep(record: DrawAnswer): void {
    if (record.campaignId !== campaignId.value) return
    // A read still on its way may predate this record: its answer is not shown.
    asked++
    loading.value = false
    const rest = list.value.filter((d) => d.id !== record.id)
    list.value = [record, ...rest].sort((a, b) => b.at - a.at)
  }

  /**
   * Throws the API's error (the panel shows it). A failure that may have come after the relay
   * stored the draw (the answer lost on the Wi-Fi, a proxy's 502/504, a garbled answer) reads
   * the draws again first, still busy: the panel then shows the round if it was drawn, and a
   * second press of the same prize asks "again?" instead of drawing it on the big screen twice.
   *
   * Unless `again` (the organizer confirmed another round), the draws are read first: a prize
   * another organizer drew since the last read (the list is polled every few seconds) answers
   * `'drawn-before'`, nothing drawn, so two laptops at the stage do not draw one prize twice.
   * Either way the request says how many rounds of the prize this page knows of
   * (`roundsBefore`): the relay refuses it, 409 `drawn_meanwhile`, nothing drawn, when another
   * round was stored meanwhile (two presses at the same moment); the draws are then read again
   * (the round shows below, and the next press asks "again?").
   */
  async function draw(request: DrawRequest, again = false): Promise<DrawOutcome | null> {
    const id = campaignId.value
    if (id === null) return null
    busy.value = true
    try {
      if (!again) {
        await open(id)
        if (ofPrize(request.prize).length > 0) return 'drawn-before'
      }
      const record = await api.makeDraw(id, {
        ...request,
        roundsBefore: ofPrize(request.prize).length,
      })
      keep(record)
      return record
    } catch (e) {
      const error = toConsoleError(e)
      const stale = error.code === 'drawn_meanwhile'
      if ((stale || answerMayBeLost(error)) && campaignId.value === id) await open(id)
      throw e
    } finally {
      busy.value = false
    }
  }

  async function redraw(drawId: string, openid: string): Promise<void> {
    const id = campaignId.value
    if (id === null) return
    busy.value = true
    try {
      keep(await api.redraw(id, drawId, openid))
    } catch (e) {
      // Refused as it stands (someone else redrew meanwhile, or no one is left), or an answer
      // that may be lost after the relay redrew: this page may show an old draw, so it reads
      // the draws again before the panel says why (only while that campaign is on show).
      const error = toConsoleError(e)
      if ((error.code === 'conflict' || answerMayBeLost(error)) && campaignId.value === id) {
        await open(id)
      }
      throw e
    } finally {
      busy.value = false
    }
  }

  return { campaignId, list, loading, busy, error, ofPrize, open, draw, redraw }
})

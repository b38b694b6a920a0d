/**
 * Which scans the stats and attendance pages show: every campaign's, or one campaign's (the
 * relay's `?campaign=`: the scans that counted in it, wherever their booth runs now). One choice
 * for both pages, so the sheet downloaded is the one the stats were about.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'

export const useScopeStore = defineStore('console-scope', () => {
  /** null: every campaign (and scans of booths in none). */
  const campaignId = ref<string | null>(null)
  return { campaignId }
})

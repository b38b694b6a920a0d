/**
 * Download links that say why they failed (shared/ui/use-checked-link.ts): the first click is
 * held while the relay is asked with a HEAD (no rows read); `error` holds why a download did
 * not start, for the page to show. The check waits CHECK_WAIT_MS at most (the organizer's user
 * activation), then lets the download go.
 */
import { ref, type Ref } from 'vue'
import { useConsoleApi } from '../api/api-key'
import { useCheckedLink } from '../../../shared/ui/use-checked-link'

export interface CheckedDownload {
  /** Why the last download could not start (null: none, or it started). */
  error: Ref<unknown>
  /**
   * A check is under way: a click meanwhile (on this link or another of the page's) is dropped;
   * the checked link alone is clicked again if the relay would answer.
   */
  checking: Ref<boolean>
  onClick: (event: MouseEvent) => void
}

/** How long a click waits for the relay's HEAD before it lets the download go. */
export const CHECK_WAIT_MS = 3000

export function useCheckedDownload(): CheckedDownload {
  const api = useConsoleApi()
  const error = ref<unknown>(null)
  const { checking, onClick } = useCheckedLink({
    check: (href, signal) => api.checkDownload(href, signal),
    waitMs: CHECK_WAIT_MS,
    onStart: () => (error.value = null),
    onRefused: (e) => (error.value = e),
  })
  return { error, checking, onClick }
}

/**
 * Download links that say why they failed. A refused download (the session over, the relay
 * unreachable, its store not answering) is, for the browser, only "failed" in its own download
 * bar — or nothing at all — and the organizer is left clicking a link that does nothing. The
 * first click is held while the relay is asked with a HEAD (headers only, no rows read); if it
 * would answer, the same link is clicked again and the browser streams the file as before;
 * otherwise `error` holds why, for the page to show.
 *
 * The check waits CHECK_WAIT_MS at most: the browser lets a script's click start a download
 * only shortly after the organizer's own click (Chrome's user activation lasts about 5 s;
 * later, a download may be blocked or taken for an automatic one). A relay slower than that to
 * answer the HEAD gets the download anyway, whose GET brings the relay's own answer; that HEAD
 * is then aborted, so clicks after the fallback never leave several checks open at once.
 */
import { ref, type Ref } from 'vue'
import { useConsoleApi } from '../api/api-key'

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
  const checking = ref(false)
  /** Links whose next click is the one let through after the check. */
  const checked = new WeakSet<HTMLAnchorElement>()

  async function check(link: HTMLAnchorElement): Promise<void> {
    checking.value = true
    error.value = null
    let timer: ReturnType<typeof setTimeout> | undefined
    const head = new AbortController()
    try {
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          // The HEAD is given up on and cancelled, not left open to its own 30 s timeout.
          head.abort()
          resolve()
        }, CHECK_WAIT_MS)
      })
      // No answer in time: the download goes ahead, its GET brings the relay's own answer.
      await Promise.race([api.checkDownload(link.href, head.signal), late])
    } catch (e) {
      error.value = e
      return
    } finally {
      clearTimeout(timer)
      checking.value = false
    }
    checked.add(link)
    link.click()
  }

  function onClick(event: MouseEvent): void {
    const link = event.currentTarget
    if (!(link instanceof HTMLAnchorElement)) return
    if (checked.delete(link)) return
    event.preventDefault()
    if (checking.value) return
    void check(link)
  }

  return { error, checking, onClick }
}

/**
 * Download links that say why they failed. A refused download (the session over, the relay
 * unreachable, its store not answering) is, for the browser, only "failed" in its own download
 * bar — or nothing at all — and the organizer is left clicking a link that does nothing. The
 * first click is held while the relay is asked with a HEAD (headers only, no rows read); if it
 * would answer, the same link is clicked again and the browser streams the file as before;
 * otherwise `error` holds why, for the page to show.
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

export function useCheckedDownload(): CheckedDownload {
  const api = useConsoleApi()
  const error = ref<unknown>(null)
  const checking = ref(false)
  /** Links whose next click is the one let through after the check. */
  const checked = new WeakSet<HTMLAnchorElement>()

  async function check(link: HTMLAnchorElement): Promise<void> {
    checking.value = true
    error.value = null
    try {
      await api.checkDownload(link.href)
    } catch (e) {
      error.value = e
      return
    } finally {
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

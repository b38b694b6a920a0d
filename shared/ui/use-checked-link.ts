/**
 * A download link checked before the browser follows it, for the organizer console and the
 * kiosk's web mode alike. A refused download (a session or page key no longer taken, the server
 * unreachable, a file gone, a store not answering) is, for the browser, only "failed" in its own
 * download bar, or nothing at all, and the user is left clicking a link that does nothing. The
 * first click is held while the server is asked (a HEAD: headers only); if it would answer, the
 * same link is clicked again and the browser downloads as the link says; otherwise `onRefused`
 * hears why, for the page to say.
 *
 * `waitMs` bounds the wait: the browser lets a script's click start a download only shortly
 * after the user's own click (Chrome's user activation lasts about 5 s; later, a download may be
 * blocked or taken for an automatic one). A server slower than that gets the download anyway,
 * whose GET brings its own answer, and the HEAD is aborted, so clicks after the fallback never
 * leave several checks open at once. A click while a check is out is dropped: one check, one
 * download.
 *
 * The page closing (the composable's scope disposed) ends a check under way: its HEAD is aborted
 * rather than left open to its own timeout, and neither the download nor the refusal follows
 * the organizer to the page they opened instead.
 */
import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue'

export interface CheckedLinkOptions {
  /** Asks the server whether the link would answer; throws why not. */
  check: (href: string, signal: AbortSignal) => Promise<void>
  /** Lets the download go after this long without an answer (null: waits for the answer). */
  waitMs: number | null
  /** A check begins (before its request is sent). */
  onStart?: () => void
  /** The check's refusal: why the download did not start. */
  onRefused: (error: unknown) => void
}

export interface CheckedLink {
  /**
   * A check is under way: a click meanwhile (on this link or another of the page's) is dropped;
   * the checked link alone is clicked again if the server would answer.
   */
  checking: Ref<boolean>
  onClick: (event: MouseEvent) => void
}

export function useCheckedLink(o: CheckedLinkOptions): CheckedLink {
  const checking = ref(false)
  /** Links whose next click is the one let through after the check. */
  const checked = new WeakSet<HTMLAnchorElement>()
  /** The check under way, aborted when the page closes. */
  let pending: AbortController | null = null
  let closed = false
  if (getCurrentScope())
    onScopeDispose(() => {
      closed = true
      pending?.abort()
    })

  async function check(link: HTMLAnchorElement): Promise<void> {
    checking.value = true
    o.onStart?.()
    let timer: ReturnType<typeof setTimeout> | undefined
    const head = new AbortController()
    pending = head
    try {
      const answer = o.check(link.href, head.signal)
      const { waitMs } = o
      if (waitMs === null) await answer
      else {
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            // The HEAD is given up on and cancelled, not left open to its own timeout.
            head.abort()
            resolve()
          }, waitMs)
        })
        // No answer in time: the download goes ahead, its GET brings the server's own answer.
        await Promise.race([answer, late])
      }
    } catch (e) {
      if (!closed) o.onRefused(e)
      return
    } finally {
      clearTimeout(timer)
      pending = null
      checking.value = false
    }
    if (closed) return
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

  return { checking, onClick }
}

/**
 * An inline confirmation (吊销 → 确认吊销 / 取消, Revoke → Confirm / Cancel) as a keyboard user
 * needs it, in the console and in the kiosk's admin area alike. The button that asked is
 * replaced by the choices, which would drop the focus onto the page's top: instead it moves
 * onto 取消 / Cancel (`data-confirm-cancel`, the choice that changes nothing), Escape backs out,
 * and once the choices go the focus is back on the button that asked (when it is still there).
 *
 * Confirmed, a button is disabled while the request runs (确认 itself, or the asker once the
 * choices go), and a disabled button lets go of the focus onto <body>. The focus waits for it:
 * back on that button when it is enabled again, or, when the asker is gone with what it was
 * about (a booth revoked, a winner replaced), on `after`'s element (the row), else the heading.
 *
 * A confirmation held elsewhere (a store's state, read through a computed) says how to back out
 * with `close`; a panel with two confirmations says, with `cancel`, which 取消 is whose. One
 * Escape backs out of one confirmation.
 */
import { nextTick, onMounted, onUnmounted, watch, type Ref } from 'vue'

export interface ConfirmFocusOptions<T> {
  /** The selector, inside `root`, of this confirmation's 取消 (`[data-confirm-cancel]`). */
  cancel?: string
  /** Backs out (Escape); by default `open` is set to `closed`. */
  close?: () => void
  /**
   * The selector, inside `root`, of what the confirmation was about (the row), for the focus
   * when the asker is gone after it; without one (or that gone too) the first heading.
   */
  after?: (which: T) => string
}

export function useConfirmFocus<T>(
  root: Ref<HTMLElement | null>,
  open: Ref<T>,
  closed: T,
  asker: (which: T) => string,
  options?: Omit<ConfirmFocusOptions<T>, 'close'>,
): void
/** A confirmation this component cannot close by itself says how: `close`. */
export function useConfirmFocus<T>(
  root: Ref<HTMLElement | null>,
  open: Readonly<Ref<T>>,
  closed: T,
  asker: (which: T) => string,
  options: ConfirmFocusOptions<T> & { close: () => void },
): void
export function useConfirmFocus<T>(
  /** The element holding the asking buttons and the choices. */
  root: Ref<HTMLElement | null>,
  /** Which confirmation is open; `closed` when none. */
  open: Ref<T> | Readonly<Ref<T>>,
  closed: T,
  /** The selector, inside `root`, of the button that opened `which`. */
  asker: (which: T) => string,
  options: ConfirmFocusOptions<T> = {},
): void {
  const cancel = options.cancel ?? '[data-confirm-cancel]'
  const close =
    options.close ??
    ((): void => {
      ;(open as Ref<T>).value = closed
    })

  /** The button that let go of the focus by being disabled, while the choices were open. */
  let held: HTMLElement | null = null
  /** The confirmation that closed with the focus lost (its asker may still be disabled). */
  let asked: { which: T } | null = null
  let observer: MutationObserver | null = null
  const stopWaiting = (): void => {
    held = null
    asked = null
    observer?.disconnect()
    observer = null
  }
  /** Where the focus goes now; 'wait' while that button is disabled. */
  const place = (el: HTMLElement): HTMLElement | 'wait' | null => {
    if (held?.isConnected) return isDisabled(held) ? 'wait' : held
    if (asked === null) return null
    const button = el.querySelector<HTMLElement>(asker(asked.which))
    if (button) return isDisabled(button) ? 'wait' : button
    const row = options.after ? el.querySelector<HTMLElement>(options.after(asked.which)) : null
    return row ?? el.querySelector<HTMLElement>('h1, h2, h3')
  }
  /** Puts the focus where it belongs, or keeps watching the DOM until it can. */
  const settle = (): void => {
    const el = root.value
    if (!el || (held === null && asked === null)) return
    if (!focusLost()) return stopWaiting()
    const to = place(el)
    if (to === 'wait') {
      if (observer === null) {
        observer = new MutationObserver(settle)
        observer.observe(el, { subtree: true, childList: true, attributeFilter: ['disabled'] })
      }
      return
    }
    stopWaiting()
    if (to !== null) focusOn(to)
  }

  watch(open, async (now, before) => {
    await nextTick()
    const el = root.value
    if (!el) return
    if (now !== closed) {
      stopWaiting()
      el.querySelector<HTMLElement>(cancel)?.focus()
    } else if (before !== closed && focusLost()) {
      asked = { which: before }
      settle()
    }
  })
  const onKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented || open.value === closed) return
    event.preventDefault()
    close()
  }
  /** 确认 disabled while its request runs: Chromium lets go of the focus with a focusout. */
  const onFocusOut = (event: FocusEvent): void => {
    const target = event.target
    if (event.relatedTarget !== null || !(target instanceof HTMLElement)) return
    if (open.value === closed || !isDisabled(target)) return
    held = target
    // Not at once: the focus may be on its way somewhere (settle sees it is not lost).
    void nextTick(settle)
  }
  onMounted(() => {
    root.value?.addEventListener('keydown', onKey)
    root.value?.addEventListener('focusout', onFocusOut)
  })
  onUnmounted(() => {
    root.value?.removeEventListener('keydown', onKey)
    root.value?.removeEventListener('focusout', onFocusOut)
    stopWaiting()
  })
}

/** The focus is nowhere a keyboard user can go on from: on <body>, or on an element now gone. */
export function focusLost(): boolean {
  const active = document.activeElement
  return active === null || active === document.body || !active.isConnected
}

function isDisabled(el: HTMLElement): boolean {
  return el.matches(':disabled')
}

/** A row or a heading takes the focus from a script only (tabindex -1), not a Tab stop. */
export function focusOn(el: HTMLElement): void {
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1')
  el.focus()
}

/**
 * A button disabled while its request runs (测试连接 → 测试中…) lets go of the focus onto
 * <body>, outside any confirmation: the focus goes back on it once it is enabled again, unless
 * it went somewhere else meanwhile (a field marked at fault, the next button).
 */
export function useFocusHeld(root: Ref<HTMLElement | null>): void {
  let held: HTMLElement | null = null
  let observer: MutationObserver | null = null
  const stopWaiting = (): void => {
    held = null
    observer?.disconnect()
    observer = null
  }
  const settle = (): void => {
    if (held === null) return
    if (!focusLost() || !held.isConnected) return stopWaiting()
    if (isDisabled(held)) return
    const button = held
    stopWaiting()
    button.focus()
  }
  const onFocusOut = (event: FocusEvent): void => {
    const target = event.target
    const el = root.value
    if (event.relatedTarget !== null || !(target instanceof HTMLElement) || !el) return
    if (!isDisabled(target)) return
    stopWaiting()
    held = target
    observer = new MutationObserver(settle)
    observer.observe(el, { subtree: true, childList: true, attributeFilter: ['disabled'] })
  }
  onMounted(() => root.value?.addEventListener('focusout', onFocusOut))
  onUnmounted(() => {
    root.value?.removeEventListener('focusout', onFocusOut)
    stopWaiting()
  })
}

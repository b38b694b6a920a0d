/**
 * An inline confirmation (吊销 → 确认吊销 / 取消, Revoke → Confirm / Cancel) as a keyboard user
 * needs it. The button that asked is replaced by the choices, which would drop the focus onto
 * the page's top: instead it moves onto 取消 / Cancel (`data-confirm-cancel`, the choice that
 * changes nothing), Escape backs out, and once the choices go the focus is back on the button
 * that asked (when it is still there).
 *
 * A confirmation held elsewhere (a store's state, read through a computed) says how to back out
 * with `close`; a panel with two confirmations says, with `cancel`, which 取消 is whose. One
 * Escape backs out of one confirmation.
 */
import { nextTick, onMounted, onUnmounted, watch, type Ref } from 'vue'

export interface ConfirmFocusOptions {
  /** The selector, inside `root`, of this confirmation's 取消 (`[data-confirm-cancel]`). */
  cancel?: string
  /** Backs out (Escape); by default `open` is set to `closed`. */
  close?: () => void
}

export function useConfirmFocus<T>(
  root: Ref<HTMLElement | null>,
  open: Ref<T>,
  closed: T,
  asker: (which: T) => string,
  options?: Omit<ConfirmFocusOptions, 'close'>,
): void
/** A confirmation this component cannot close by itself says how: `close`. */
export function useConfirmFocus<T>(
  root: Ref<HTMLElement | null>,
  open: Readonly<Ref<T>>,
  closed: T,
  asker: (which: T) => string,
  options: ConfirmFocusOptions & { close: () => void },
): void
export function useConfirmFocus<T>(
  /** The element holding the asking buttons and the choices. */
  root: Ref<HTMLElement | null>,
  /** Which confirmation is open; `closed` when none. */
  open: Ref<T> | Readonly<Ref<T>>,
  closed: T,
  /** The selector, inside `root`, of the button that opened `which`. */
  asker: (which: T) => string,
  options: ConfirmFocusOptions = {},
): void {
  const cancel = options.cancel ?? '[data-confirm-cancel]'
  const close =
    options.close ??
    ((): void => {
      ;(open as Ref<T>).value = closed
    })
  const focusLost = (): boolean => {
    const active = document.activeElement
    return active === null || active === document.body || !active.isConnected
  }
  watch(open, async (now, before) => {
    await nextTick()
    const el = root.value
    if (!el) return
    if (now !== closed) el.querySelector<HTMLElement>(cancel)?.focus()
    else if (before !== closed && focusLost()) el.querySelector<HTMLElement>(asker(before))?.focus()
  })
  const onKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented || open.value === closed) return
    event.preventDefault()
    close()
  }
  onMounted(() => root.value?.addEventListener('keydown', onKey))
  onUnmounted(() => root.value?.removeEventListener('keydown', onKey))
}

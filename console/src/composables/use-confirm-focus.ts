/**
 * An inline confirmation (吊销 → 确认吊销 / 取消, Revoke → Confirm / Cancel) as a keyboard user
 * needs it. The button that asked is replaced by the choices, which would drop the focus onto
 * the page's top: instead it moves onto 取消 / Cancel (`data-confirm-cancel`, the choice that
 * changes nothing), Escape backs out, and once the choices go the focus is back on the button
 * that asked (when it is still there).
 */
import { nextTick, onMounted, onUnmounted, watch, type Ref } from 'vue'

export function useConfirmFocus<T>(
  /** The element holding the asking buttons and the choices. */
  root: Ref<HTMLElement | null>,
  /** Which confirmation is open; `closed` when none. */
  open: Ref<T>,
  closed: T,
  /** The selector, inside `root`, of the button that opened `which`. */
  asker: (which: T) => string,
): void {
  const focusLost = (): boolean => {
    const active = document.activeElement
    return active === null || active === document.body || !active.isConnected
  }
  watch(open, async (now, before) => {
    await nextTick()
    const el = root.value
    if (!el) return
    if (now !== closed) el.querySelector<HTMLElement>('[data-confirm-cancel]')?.focus()
    else if (before !== closed && focusLost()) el.querySelector<HTMLElement>(asker(before))?.focus()
  })
  const onKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || open.value === closed) return
    event.preventDefault()
    open.value = closed
  }
  onMounted(() => root.value?.addEventListener('keydown', onKey))
  onUnmounted(() => root.value?.removeEventListener('keydown', onKey))
}

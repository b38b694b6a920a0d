import { reactive } from 'vue'

/**
 * Keys of an on-screen pad (the PIN pad) that take every finger. Chromium makes one two-finger
 * gesture of touches that overlap, and clicks no key for it: staff typing a PIN fast with two
 * thumbs (the next key down before the last is up) lost both digits, then got "wrong PIN" and a
 * step nearer the lockout. So a touch presses its key as it lands, once per finger, and the
 * click that would follow a lone tap is cancelled with it (`preventDefault` on `touchstart`);
 * a mouse, a pen without touch events, and Enter or Space on a focused key still click.
 */
export function useTouchKeys() {
  /** The keys a finger is on now, for the pressed look (`:active` does not follow touches). */
  const held = reactive(new Set<string>())

  function key(name: string, action: () => void) {
    return {
      click: action,
      touchstart(event: TouchEvent): void {
        event.preventDefault()
        const target = event.currentTarget
        if (target instanceof HTMLButtonElement && target.disabled) return
        held.add(name)
        action()
      },
      touchend: (event: TouchEvent) => release(name, event),
      touchcancel: (event: TouchEvent) => release(name, event),
    }
  }

  /** A touch's events all go to the key it landed on: the key is let go with its last finger. */
  function release(name: string, event: TouchEvent): void {
    if (event.targetTouches.length === 0) held.delete(name)
  }

  return { key, held }
}

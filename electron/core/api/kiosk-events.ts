/** Typed events from the core to whatever shows the kiosk (Electron window, web bridge). */
import type { KioskEventName, KioskEventPayload } from '../../../shared/ipc'

type Listener<E extends KioskEventName> = (payload: KioskEventPayload<E>) => void
type AnyListener = (name: KioskEventName, payload: unknown) => void

export class KioskEvents {
  private readonly listeners = new Map<KioskEventName, Set<(payload: never) => void>>()
  private readonly all = new Set<AnyListener>()

  on<E extends KioskEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  /** Every event, by name (the bridges forward them all). */
  onAny(listener: AnyListener): () => void {
    this.all.add(listener)
    return () => this.all.delete(listener)
  }

  emit<E extends KioskEventName>(event: E, payload: KioskEventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        ;(l as Listener<E>)(payload)
      } catch {
        // A failing listener must not stop the others or the core.
      }
    }
    for (const l of this.all) {
      try {
        l(event, payload)
      } catch {
        // as above
      }
    }
  }
}

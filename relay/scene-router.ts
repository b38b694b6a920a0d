/**
 * Which kiosk a scene belongs to (contract v1): string scenes `<kioskId>:<nonce>` by the part
 * before the first `:`, integer scenes by the ranges kiosks registered.
 */
import { kioskIdOfScene } from '../shared/relay-protocol'
import type { RelayStore, UnroutedReason } from './store/types'

export type Route = { kioskId: string } | { kioskId: null; reason: UnroutedReason }

/** WeChat's integer scenes are 32-bit (temporary) or up to 100000 (permanent). */
const INTEGER_SCENE = /^[1-9][0-9]{0,9}$/

export async function routeScene(store: RelayStore, scene: string): Promise<Route> {
  if (INTEGER_SCENE.test(scene)) {
    const owner = await store.kioskOfIntegerScene(Number(scene))
    return owner === null ? { kioskId: null, reason: 'unknown-kiosk' } : { kioskId: owner }
  }
  const kioskId = kioskIdOfScene(scene)
  if (kioskId === null) return { kioskId: null, reason: 'foreign-scene' }
  return (await store.hasKiosk(kioskId)) ? { kioskId } : { kioskId: null, reason: 'unknown-kiosk' }
}

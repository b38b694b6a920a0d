import { inject, type InjectionKey } from 'vue'
import type { KioskApi } from '../../../shared/ipc'

/** Provided once by the app (or by a test with a fake); stores and components inject it. */
export const kioskApiKey: InjectionKey<KioskApi> = Symbol('kioskApi')

export function useKioskApi(): KioskApi {
  const api = inject(kioskApiKey, null)
  if (!api) throw new Error('KioskApi was not provided to the app')
  return api
}

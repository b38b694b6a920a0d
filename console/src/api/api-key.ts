/** The API the app was given (main.ts; tests provide a fake), reached with `useConsoleApi()`. */
import { inject, type InjectionKey } from 'vue'
import type { ConsoleApi } from './client'

export const consoleApiKey: InjectionKey<ConsoleApi> = Symbol('consoleApi')

export function useConsoleApi(): ConsoleApi {
  const api = inject(consoleApiKey)
  if (!api) throw new Error('console API not provided')
  return api
}

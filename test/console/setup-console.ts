/** Mounts console components with the plugins console/src/main.ts installs (API, i18n, Pinia). */
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createApp, type Component } from 'vue'
import { I18nInjectionKey } from 'vue-i18n'
import { consoleApiKey } from '../../console/src/api/api-key'
import type { ConsoleApi } from '../../console/src/api/client'
import { createConsoleI18n } from '../../console/src/i18n/index'

export function setupConsoleStores(api: ConsoleApi) {
  const app = createApp({})
  const i18n = createConsoleI18n()
  const pinia = createPinia()
  app.provide(consoleApiKey, api).provide(I18nInjectionKey, i18n).use(i18n).use(pinia)
  setActivePinia(pinia)
  return { app, i18n, pinia }
}

export function mountConsole<C extends Component>(
  component: C,
  api: ConsoleApi,
  options: ComponentMountingOptions<C> = {},
) {
  const i18n = createConsoleI18n()
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(component, {
    ...options,
    global: {
      plugins: [i18n, pinia],
      provide: { [consoleApiKey as symbol]: api, [I18nInjectionKey as symbol]: i18n },
    },
  })
  return { wrapper, i18n, pinia }
}

import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createApp, type Component } from 'vue'
import { I18nInjectionKey } from 'vue-i18n'
import type { KioskApi } from '../../shared/ipc'
import { kioskApiKey } from '../../renderer/src/bridge/api-key'
import { createKioskI18n } from '../../renderer/src/i18n/index'

/** An app context (API, i18n, Pinia) so stores can be used outside components. */
export function setupStores(api: KioskApi) {
  const app = createApp({})
  const i18n = createKioskI18n()
  const pinia = createPinia()
  app.provide(kioskApiKey, api).provide(I18nInjectionKey, i18n).use(i18n).use(pinia)
  setActivePinia(pinia)
  return { app, i18n, pinia }
}

/** Mounts a component with the same plugins the real app installs. */
export function mountWith<C extends Component>(
  component: C,
  api: KioskApi,
  options: ComponentMountingOptions<C> = {},
) {
  const i18n = createKioskI18n()
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(component, {
    ...options,
    global: {
      ...options.global,
      plugins: [i18n, pinia],
      provide: { [kioskApiKey as symbol]: api, [I18nInjectionKey as symbol]: i18n },
    },
  })
  return { wrapper, i18n, pinia }
}

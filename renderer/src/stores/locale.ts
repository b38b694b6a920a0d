import { defineStore } from 'pinia'
import { inject, ref } from 'vue'
import { I18nInjectionKey, type Composer } from 'vue-i18n'
import type { Locale } from '../../../shared/domain'
import { useKioskApi } from '../bridge/api-key'

/** The UI language: follows the core (the `locale` event) and changes it through `setLocale`. */
export const useLocaleStore = defineStore('locale', () => {
  const api = useKioskApi()
  const i18n = inject(I18nInjectionKey, null)
  const current = ref<Locale>('zh-CN')

  function apply(locale: Locale): void {
    current.value = locale
    // Composition mode (`legacy: false`): `global` is a Composer whose locale is a ref.
    const composer = i18n?.global as Composer | undefined
    if (composer) composer.locale.value = locale
    if (typeof document !== 'undefined') document.documentElement.lang = locale
  }

  /** Applies at once (the switch must feel instant), then tells the core so it persists. */
  async function change(locale: Locale): Promise<void> {
    const previous = current.value
    apply(locale)
    try {
      await api.setLocale({ locale })
    } catch (error) {
      apply(previous)
      throw error
    }
  }

  return { current, apply, change }
})

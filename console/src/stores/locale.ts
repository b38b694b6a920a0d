/** The console's language: zh-CN unless the organizer chose English (kept in this browser). */
import { defineStore } from 'pinia'
import { inject, ref } from 'vue'
import { I18nInjectionKey, type Composer } from 'vue-i18n'
import { localeSchema, type Locale } from '../../../shared/domain'

const STORAGE_KEY = 'scandesk.console.locale'

function saved(): Locale {
  try {
    const parsed = localeSchema.safeParse(globalThis.localStorage?.getItem(STORAGE_KEY))
    return parsed.success ? parsed.data : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

export const useLocaleStore = defineStore('console-locale', () => {
  const i18n = inject(I18nInjectionKey, null)
  const current = ref<Locale>('zh-CN')

  function apply(locale: Locale): void {
    current.value = locale
    const composer = i18n?.global as Composer | undefined
    if (composer) composer.locale.value = locale
    if (typeof document !== 'undefined') document.documentElement.lang = locale
  }

  function change(locale: Locale): void {
    apply(locale)
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, locale)
    } catch {
      // Private browsing without storage: the choice lasts until the page closes.
    }
  }

  apply(saved())
  return { current, change }
})

import { createI18n } from 'vue-i18n'
import type { Locale } from '../../../shared/domain'
import { en } from './en'
import { zhCN, type MessageSchema } from './zh-CN'

/** Chinese first: most staff and visitors read it first; English is one tap away. */
export function createKioskI18n(locale: Locale = 'zh-CN') {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': zhCN, en },
    // Missing keys are a bug caught in tests, not something to shout about at visitors.
    missingWarn: false,
    fallbackWarn: false,
  })
}

export type KioskI18n = ReturnType<typeof createKioskI18n>

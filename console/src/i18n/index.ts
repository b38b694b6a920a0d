/** The console's vue-i18n instance: Chinese first, English one click away (like the kiosk). */
import { createI18n } from 'vue-i18n'
import type { Locale } from '../../../shared/domain'
import type { ConsoleFailureCode } from '../api/errors'
import { toConsoleError } from '../api/errors'
import { en } from './en'
import { zhCN, type MessageSchema } from './zh-CN'

export function createConsoleI18n(locale: Locale = 'zh-CN') {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': zhCN, en },
    missingWarn: false,
    fallbackWarn: false,
  })
}

export type ConsoleI18n = ReturnType<typeof createConsoleI18n>

/** The message key for a failure: every code has one (a test checks both languages). */
export function errorKey(error: unknown): `errors.${ConsoleFailureCode}` {
  return `errors.${toConsoleError(error).code}`
}

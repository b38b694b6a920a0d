/** The console's vue-i18n instance: Chinese first, English one click away (like the kiosk). */
import { createI18n } from 'vue-i18n'
import { storeRefusalCauses, type StoreRefusalCause } from '../../../shared/console-api'
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

/** Each store refusal's words (`errors.storeCause.*`). */
const STORE_CAUSE_KEYS: Record<StoreRefusalCause, keyof MessageSchema['errors']['storeCause']> = {
  'database is locked': 'locked',
  'database or disk is full': 'full',
  'store is read-only': 'readOnly',
  'store refused authentication': 'auth',
  'store is out of memory': 'outOfMemory',
  'store cannot save to disk': 'cannotSave',
  'store unreachable': 'unreachable',
  'store did not answer in time': 'slow',
}

export type Translate = (key: string, named: Record<string, unknown>) => string

/**
 * A failure in the page's language: its code's words, but for a request the relay's store
 * refused (503 `internal` naming why: a full disk, a locked database) what the relay said —
 * why, and for a write that nothing was saved — so the organizer knows retrying will not help
 * until the relay is fixed. A cause this console does not know is shown in the relay's words.
 */
export function errorText(t: Translate, error: unknown): string {
  const failure = toConsoleError(error)
  const refusal = failure.storeRefusal
  if (refusal === null) return t(errorKey(failure), {})
  const known = storeRefusalCauses.find((c) => c === refusal.cause)
  const cause =
    known === undefined ? refusal.cause : t(`errors.storeCause.${STORE_CAUSE_KEYS[known]}`, {})
  return t(refusal.write ? 'errors.storeRefusedWrite' : 'errors.storeRefusedRead', { cause })
}

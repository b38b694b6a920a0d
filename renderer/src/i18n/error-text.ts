/**
 * Words for a failure: `codes.<code>` in the UI's language with the code's params (the
 * contract: shared/errors.ts). A code this UI does not know still says something useful
 * ("操作失败（错误代码：xyz）"). Never the thrown error's message: that is English for logs.
 */
import { useI18n } from 'vue-i18n'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../bridge/errors'

interface Translator {
  t(key: string, named?: Record<string, unknown>): string
  te(key: string): boolean
}

export function errorText(i18n: Translator, error: unknown): string {
  const { code, params } = toErrorBody(error)
  if (code === 'failed') return i18n.t('failure.generic')
  const key = `codes.${code}`
  if (!i18n.te(key)) return i18n.t('failure.unknownCode', { code })
  return i18n.t(key, localizedParams(i18n, params))
}

/** A field path becomes the field's label where the UI has one ('relayUrl' → 中继服务器地址). */
function localizedParams(i18n: Translator, params: ErrorBody['params']): Record<string, unknown> {
  const field = typeof params.field === 'string' ? params.field : 'input'
  const label = `fields.${field}`
  // errcode is optional (WeChat does not always give one): a dash rather than a gap.
  return { errcode: '—', ...params, field: i18n.te(label) ? i18n.t(label) : field }
}

/** `errorText` bound to the component's i18n: `const errorText = useErrorText()`. */
export function useErrorText(): (error: unknown) => string {
  const i18n = useI18n()
  const translator: Translator = {
    t: (key, named) => (named ? i18n.t(key, named) : i18n.t(key)),
    te: (key) => i18n.te(key) || i18n.te(key, 'zh-CN'),
  }
  return (error) => errorText(translator, error)
}

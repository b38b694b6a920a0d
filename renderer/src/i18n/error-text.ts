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

/**
 * A field path becomes the field's label ('relayUrl' → 中继服务器地址), a path into a field its
 * field's ('name.0' → 名称), and a path the UI has no word for (the web bridge's `body`, a
 * campaign's `greetings.zh-CN.named`) the input as a whole: never the contract's English path.
 */
function localizedParams(i18n: Translator, params: ErrorBody['params']): Record<string, unknown> {
  const path = typeof params.field === 'string' ? params.field : 'input'
  const labelled = [path, path.split('.')[0] ?? path, 'input'].find((f) => i18n.te(`fields.${f}`))
  const field = i18n.t(`fields.${labelled ?? 'input'}`)
  // errcode is optional (WeChat does not always give one): a dash rather than a gap.
  return { errcode: '—', ...params, field }
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

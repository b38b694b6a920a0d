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

/** WeChat refusals whose fix is the relay admin's when the relay's proxy makes the codes. */
const RELAY_FIXES = ['bad_credentials', 'ip_not_allowed'] as const
type RelayFix = (typeof RELAY_FIXES)[number]
const isRelayFix = (code: string): code is RelayFix =>
  (RELAY_FIXES as readonly string[]).includes(code)

/**
 * The venue's network stopping a request (its proxy, or a page answering the TLS handshake): its
 * words name what was asked for (`codes.*`: the relay).
 */
const PROXY_FAULTS = ['proxy_refused', 'proxy_invalid', 'tls_untrusted'] as const
type ProxyFault = (typeof PROXY_FAULTS)[number]
const isProxyFault = (code: string): code is ProxyFault =>
  (PROXY_FAULTS as readonly string[]).includes(code)

/**
 * A ticket source's failure in words. Through the relay proxy, WeChat refusing the AppSecret or
 * the caller's IP is about the relay's (this booth has no AppSecret field, and its IP is not
 * the one WeChat sees): the relay admin fixes it, not staff at the booth. A direct booth's
 * request stopped by the venue's network was on its way to WeChat, not to the relay.
 */
export function sourceErrorText(
  i18n: Translator,
  error: unknown,
  source: 'direct' | 'proxy',
): string {
  const { code } = toErrorBody(error)
  if (source === 'proxy' && isRelayFix(code)) return i18n.t(`diagnostics.proxyError.${code}`)
  if (source === 'direct' && isProxyFault(code)) {
    return i18n.t(`diagnostics.wechatProxyError.${code}`, toErrorBody(error).params)
  }
  return errorText(i18n, error)
}

function useTranslator(): Translator {
  const i18n = useI18n()
  return {
    t: (key, named) => (named ? i18n.t(key, named) : i18n.t(key)),
    te: (key) => i18n.te(key) || i18n.te(key, 'zh-CN'),
  }
}

/** `errorText` bound to the component's i18n: `const errorText = useErrorText()`. */
export function useErrorText(): (error: unknown) => string {
  const translator = useTranslator()
  return (error) => errorText(translator, error)
}

/** `sourceErrorText` bound to the component's i18n, as `useErrorText`. */
export function useSourceErrorText(): (error: unknown, source: 'direct' | 'proxy') => string {
  const translator = useTranslator()
  return (error, source) => sourceErrorText(translator, error, source)
}

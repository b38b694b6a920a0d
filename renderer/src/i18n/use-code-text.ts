import { useI18n } from 'vue-i18n'

/**
 * Turns a stable error code from the core ('ip_not_allowed', 'quota', …) into a sentence a
 * non-developer can act on; unknown codes fall back to the core's own message.
 */
export function useCodeText() {
  const i18n = useI18n()
  return (code: string, fallback?: string): string => {
    const key = `codes.${code}`
    if (i18n.te(key) || i18n.te(key, 'zh-CN')) return i18n.t(key)
    return fallback && fallback.length > 0 ? fallback : i18n.t('codes.unknown')
  }
}

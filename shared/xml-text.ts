/**
 * Characters XML 1.0 cannot carry at all, not even in CDATA: the C0 controls but tab, LF and
 * CR, U+FFFE and U+FFFF, and unpaired surrogates (with the u flag the surrogate range matches
 * only unpaired halves). A text WeChat gets in a passive reply must not hold one; the texts an
 * organizer writes for WeChat are refused with one at input. Plain TS: browsers run it too.
 */
// eslint-disable-next-line no-control-regex
export const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/u

export const XML_TEXT_MESSAGE =
  'must not hold control characters (a line break copied from Word is one) or broken characters'

/** Whether `text` can go into XML (a passive reply) as it is. */
export const isXmlText = (text: string): boolean => !NOT_XML_CHAR.test(text)

/**
 * The big screens' few texts, Chinese whatever the browser says (the screen faces the venue, not
 * whoever set it up): `?lang=en` for English.
 * Kept apart from the console's vue-i18n messages: a screen loads nothing it does not show.
 * The words are the console's (docs/GLOSSARY.md; test/repo/glossary.test.ts).
 */
export type ScreenLang = 'zh-CN' | 'en'

/** A count as the room reads it from afar: 5,000, not 5000 (the same in both languages). */
export function grouped(n: number): string {
  return n.toLocaleString('en-US')
}

const TEXTS = {
  'zh-CN': {
    /**
     * The wall's count: the campaign's visitors, each once, over all its days (the campaign's
     * last number), so a second day does not start from 0 and the label says so.
     */
    checkedIn: '累计签到',
    /** The browser tab's title after the screen's own (签到墙 · ScanDesk 大屏). */
    app: 'ScanDesk 大屏',
    wallTitle: '签到墙',
    guest: (n: number) => `来宾 #${n}`,
    waiting: '等待第一位来宾签到…',
    offline: '离线 · 正在重连',
    forbidden: '大屏链接已失效，请在控制台复制新的链接。',
    loading: '正在连接…',
    drawTitle: '幸运抽奖',
    drawIdle: '抽奖即将开始',
    drawing: '抽奖中…',
    winners: '中奖名单',
    eligible: (n: number) => `${grouped(n)} 位来宾参与`,
  },
  en: {
    checkedIn: 'checked in (all days)',
    app: 'ScanDesk screen',
    wallTitle: 'Sign-in wall',
    guest: (n: number) => `Guest #${n}`,
    waiting: 'Waiting for the first guest…',
    offline: 'Offline · reconnecting',
    forbidden: 'This screen link no longer works: copy the new one from the console.',
    loading: 'Connecting…',
    drawTitle: 'Lucky draw',
    drawIdle: 'The draw starts soon',
    drawing: 'Drawing…',
    winners: 'Winners',
    eligible: (n: number) => `${grouped(n)} ${n === 1 ? 'guest' : 'guests'} in the draw`,
  },
} as const

export type ScreenTexts = (typeof TEXTS)[ScreenLang]

export function screenLang(search: string): ScreenLang {
  return new URLSearchParams(search).get('lang') === 'en' ? 'en' : 'zh-CN'
}

export function screenTexts(lang: ScreenLang): ScreenTexts {
  return TEXTS[lang]
}

/** How a screen names a visitor: the roster name, else "来宾 #<number>". */
export function visitorLabel(t: ScreenTexts, v: { number: number; name: string | null }): string {
  return v.name ?? t.guest(v.number)
}

/**
 * Whether the sign-in wall hides part of each roster name: when its link asks (`&names=masked`,
 * the console's second wall link), for a campaign whose guests did not agree to see their
 * names up in a public hall (photographed by anyone). A name partly hidden (`maskName`) is
 * still enough for a guest to find their tile. Without it the wall shows roster names whole.
 */
export function wallNamesMasked(search: string): boolean {
  return new URLSearchParams(search).get('names') === 'masked'
}

/**
 * A roster name partly hidden, as a wall asked to hide names shows it: a name of several words keeps its first
 * and the initial of its last (Maximilian Featherstonehaugh → Maximilian F.); a name of one
 * word (a Chinese name) keeps its first and last characters, those between hidden (王小明 →
 * 王*明, 欧阳娜娜 → 欧**娜), a two-character one its first (张三 → 张*).
 */
export function maskName(name: string): string {
  const words = name.normalize('NFC').trim().split(/\s+/u)
  if (words.length > 1) {
    const first = words[0] ?? ''
    const last = Array.from(words[words.length - 1] ?? '')[0] ?? ''
    return `${first} ${last}.`
  }
  const chars = Array.from(words[0] ?? '')
  if (chars.length <= 1) return chars.join('')
  if (chars.length === 2) return `${chars[0] ?? ''}*`
  return `${chars[0] ?? ''}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1] ?? ''}`
}

/** A visitor on the wall: the roster name partly hidden when the wall's link asked for that. */
export function wallLabel(
  t: ScreenTexts,
  v: { number: number; name: string | null },
  masked: boolean,
): string {
  return v.name === null || !masked ? visitorLabel(t, v) : maskName(v.name)
}

/**
 * How wide a wall tile's label runs, in half-ems (a CJK character or an emoji about a whole em,
 * a Latin letter or digit about half): 'long' and 'longer' are set smaller on more lines
 * (screen.css), so a long English roster name (Maximilian Alexander von Hohenzollern-
 * Sigmaringen) shows whole instead of cut to "Maximilian Alexande…". A Chinese name up to 10
 * characters stays 'short', as before: two lines of a landscape wall's tile hold ten at that
 * size (an eleventh, or a tenth and a middle dot, was cut).
 */
export function tileLabelLength(label: string): 'short' | 'long' | 'longer' {
  let n = 0
  // As it reads (NFC): a Korean name from a Mac in conjoining jamo, two or three a syllable
  // (each below U+2E80, so counted 1), is one syllable a character as typed.
  for (const ch of label.normalize('NFC')) {
    if (MARK.test(ch)) continue
    n += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1
  }
  return n <= 20 ? 'short' : n <= 34 ? 'long' : 'longer'
}

/**
 * A mark drawn on the letter before it, no wider: a Vietnamese name's accents saved decomposed
 * (`Nguyễn` from a Mac: e, then a circumflex, then a tilde), Thai vowels and tones above and
 * below, Arabic vowel signs. Counted, they set a name smaller than its width needs.
 */
const MARK = /\p{M}/u

/**
 * A long name smaller on up to two lines, a very long one on up to three (screen.css), so the
 * whole name shows instead of being cut after twenty characters.
 */
export { titleLength } from '../../../shared/ui/title-length'

/**
 * A greeting template filled in: `{name}` and `{number}`, by the kiosk core's greeter and by
 * screens that show a greeting before any scan (the console's preview).
 * Runs in browsers: no Node imports.
 */
import type { Greeting } from './domain'

export function fillGreeting(template: string, values: { name: string; number: number }): string {
  return template.replace(/\{(name|number)\}/g, (_, key: string) =>
    key === 'name' ? values.name : String(values.number),
  )
}

/** A run of a filled greeting: the template's own text, or the visitor's name. */
export interface GreetingPart {
  text: string
  name: boolean
}

/**
 * A filled greeting cut where the visitor's name stands, so a screen can isolate the name's
 * direction (`<bdi>`): in one run of text, a right-to-left name (Uyghur, Arabic) takes the
 * punctuation and a number after it into its own direction ("Welcome, {name}! #12" showed
 * "12# !" before the name). One part, not a name, when there is no name.
 */
export function greetingParts(text: string, name: string | null): GreetingPart[] {
  if (name === null || name === '') return [{ text, name: false }]
  const parts: GreetingPart[] = []
  text.split(name).forEach((between, i) => {
    if (i > 0) parts.push({ text: name, name: true })
    if (between !== '') parts.push({ text: between, name: false })
  })
  return parts
}

/**
 * Whether a template puts the visitor's check-in number in the greeting itself: the greeting
 * screen then leaves out its own number line, which would only say it again.
 */
export const templateShowsNumber = (template: string): boolean => template.includes('{number}')

/**
 * Whether a greeting opens with the words of the small label the screen puts above it (a
 * "欢迎回来！…" under "欢迎回来", "Welcome back! …" under "Welcome back"): the screen then
 * leaves the label out rather than say it twice.
 */
export function greetingRepeatsLabel(text: string, label: string): boolean {
  const l = label.trim().toLocaleLowerCase()
  return l !== '' && text.trim().toLocaleLowerCase().startsWith(l)
}

/** What the kiosk's greeting screen calls each kind of greeting. */
export type GreetingKind = Greeting['kind']

/**
 * The words around the greeting on the kiosk's screen, in both languages: the same as the
 * kiosk's renderer/src/i18n `greeting.*` (a test holds them equal), so a preview shows a
 * greeting in the language it previews, whatever language the page around it is in.
 */
export const KIOSK_GREETING_WORDS = {
  'zh-CN': {
    number: '第 {n} 位签到',
    kind: { named: '签到成功', 'first-visit': '首次到访', 'welcome-back': '欢迎回来' },
  },
  en: {
    number: 'Check-in no. {n}',
    kind: { named: 'Checked in', 'first-visit': 'First visit', 'welcome-back': 'Welcome back' },
  },
} as const satisfies Record<'zh-CN' | 'en', { number: string; kind: Record<GreetingKind, string> }>

import type { Campaign } from '../../../shared/domain'
import { TYPED_TEXT_CODE } from '../../../shared/typed-text'

/** A fresh campaign with sensible defaults and the usual greetings in both languages. */
export function newCampaign(now: Date = new Date()): Campaign {
  const random = Math.random().toString(36).slice(2, 8)
  return {
    id: `c-${now.getTime().toString(36)}-${random}`,
    name: '',
    startsOn: null,
    endsOn: null,
    greetings: {
      'zh-CN': {
        firstVisit: '欢迎！您是第 {number} 位来宾',
        welcomeBack: '欢迎回来！第 {number} 位签到',
        named: '{name}，欢迎您！',
      },
      en: {
        firstVisit: 'Welcome! You are visitor no. {number}',
        welcomeBack: 'Welcome back! Check-in no. {number}',
        named: 'Welcome, {name}!',
      },
    },
    rotationSeconds: 60,
    ticketLifetimeSeconds: 600,
    mode: 'booth',
  }
}

/**
 * A deep copy the form can edit without touching the listed campaign. Through JSON because
 * the listed one is usually a reactive proxy, which structuredClone refuses.
 */
export function cloneCampaign(c: Campaign): Campaign {
  return JSON.parse(JSON.stringify(c)) as Campaign
}

/** Which translated message explains a problem (a zod issue code) at this field path. */
export function campaignErrorKey(field: string, code = 'custom'): string {
  // A control or bidi control character (shared/typed-text.ts): in the name, or in a greeting.
  if (code === TYPED_TEXT_CODE)
    return field === 'name' ? 'campaign.errors.lineChars' : 'campaign.errors.textChars'
  if (field.startsWith('greetings.')) {
    // A placeholder that is not filled in, a brace not paired, or {name} where no visitor has a
    // name (the refine).
    if (code === 'greeting_placeholder') return 'campaign.errors.greetingPlaceholder'
    if (code === 'greeting_no_name') return 'campaign.errors.greetingNoName'
    if (code === 'greeting_braces') return 'campaign.errors.greetingBraces'
    return 'campaign.errors.greeting'
  }
  // A date not filled in whole (DateInput) versus an end before the start (the refine).
  if ((field === 'startsOn' || field === 'endsOn') && code !== 'custom')
    return 'campaign.errors.date'
  // In range, but no longer than the rotation and the scan after it (the refine).
  if (field === 'ticketLifetimeSeconds' && code === 'custom')
    return 'campaign.errors.ticketLifetimeShort'
  const known = ['name', 'endsOn', 'rotationSeconds', 'ticketLifetimeSeconds']
  return known.includes(field) ? `campaign.errors.${field}` : 'codes.invalid'
}

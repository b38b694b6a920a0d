// The kiosk's own campaigns (the admin area's editor, the saveCampaign call): a name is one line
// without control or bidi control characters, a greeting holds none but a line break, as the
// relay's console refuses them (shared/typed-text.ts). Refused with the field named, nothing
// kept; a campaigns.json written before with such characters still loads.
import { afterEach, describe, expect, it } from 'vitest'
import type { KioskError } from '../../electron/core/api/kiosk-error'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { MemoryVault } from '../../electron/core/config/vault'
import { createKioskCore } from '../../electron/core/kiosk-core'
import type { Campaign } from '../../shared/domain'
import { cleanup, onCleanup, tempDir, TEST_PIN, testCampaign } from './helpers'

afterEach(cleanup)

/** C0 (NUL, tab, LF, CR, ESC), DEL, C1, bidi embedding, override and isolates, U+2028/U+2029. */
const CONTROLS = [
  '\u0000',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u2028',
  '\u2029',
]

async function coreWith(stored: Campaign) {
  const dir = tempDir()
  openCampaignStore(dir).save(stored)
  const core = createKioskCore({
    dataDir: dir,
    vault: new MemoryVault(),
    tickMs: 0,
    initialPin: TEST_PIN,
  })
  onCleanup(() => core.stop())
  await core.call('unlockAdmin', { pin: TEST_PIN })
  return { core, dir }
}

const refusal = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => (e as KioskError).body,
  )

describe('control characters in the kiosk’s campaigns', () => {
  it('refuses each class in a name, and all but a line break in a greeting, naming the field', async () => {
    const original = testCampaign()
    const { core, dir } = await coreWith(original)
    for (const ch of CONTROLS) {
      const named = { ...original, name: `春季${ch}展` }
      expect(await refusal(core.call('saveCampaign', named)), JSON.stringify(ch)).toEqual({
        code: 'bad_input',
        params: { field: 'name' },
      })
      if (ch === '\n') continue
      const greetings = {
        ...original.greetings,
        en: { ...original.greetings.en, firstVisit: `Welcome${ch} no. {number}` },
      }
      expect(
        await refusal(core.call('saveCampaign', { ...original, greetings })),
        JSON.stringify(ch),
      ).toEqual({ code: 'bad_input', params: { field: 'greetings.en.firstVisit' } })
    }
    expect(openCampaignStore(dir).get(original.id)).toEqual(original)

    const good = {
      ...original,
      name: '🎉 春季博览会 Spring Expo',
      greetings: {
        ...original.greetings,
        'zh-CN': { ...original.greetings['zh-CN'], firstVisit: '欢迎！\n您是第 {number} 位来宾' },
      },
    }
    await core.call('saveCampaign', good)
    expect(openCampaignStore(dir).get(original.id)).toEqual(good)
  })

  it('refuses a greeting whose brace is not paired, which visitors would read as typed', async () => {
    const original = testCampaign()
    const { core, dir } = await coreWith(original)
    for (const named of ['Welcome, {name!', 'Welcome, {{name}}!', '欢迎 ｛name']) {
      const greetings = { ...original.greetings, en: { ...original.greetings.en, named } }
      expect(await refusal(core.call('saveCampaign', { ...original, greetings })), named).toEqual({
        code: 'bad_input',
        params: { field: 'greetings.en.named' },
      })
    }
    expect(openCampaignStore(dir).get(original.id)).toEqual(original)
  })

  it('still loads a campaign written before with such characters', async () => {
    const older = testCampaign({ name: '春季\u202e展\u0000' })
    const { core } = await coreWith(older)
    expect(await core.call('listCampaigns', undefined)).toEqual([older])
  })
})

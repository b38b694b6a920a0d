// One vocabulary (docs/GLOSSARY.md): what the exported sheets call a thing is what the console,
// the kiosk and the big screens call it, in each language. An organizer who filters the sheet's
// booth column reads the word the console's booth list uses, and so on.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { en as consoleEn } from '../../console/src/i18n/en'
import { zhCN as consoleZh } from '../../console/src/i18n/zh-CN'
import { screenTexts } from '../../console/src/screen/screen-text'
import { PAIR_PAGE_HTML } from '../../relay/pair-page'
import { en as kioskEn } from '../../renderer/src/i18n/en'
import { zhCN as kioskZh } from '../../renderer/src/i18n/zh-CN'
import type { Locale } from '../../shared/domain'
import { kindLabel, SHEET_LABELS, SHEET_NAMES } from '../../shared/export/cells'
import { WINNER_COLUMNS } from '../../relay/draws/draw-routes'

const root = join(import.meta.dirname, '..', '..')
const LOCALES: readonly Locale[] = ['zh-CN', 'en']
const ui = (l: Locale) => ({
  console: l === 'zh-CN' ? consoleZh : consoleEn,
  kiosk: l === 'zh-CN' ? kioskZh : kioskEn,
  screen: screenTexts(l),
})

describe.each(LOCALES)('one term per thing in %s', (l) => {
  const { console: c, kiosk: k, screen } = ui(l)

  it('the booth: the sheets’ column, the console’s booth list and attendance, the kiosk', () => {
    const booth = SHEET_LABELS.kioskId[l]
    expect(c.booths.columns.booth).toBe(booth)
    expect(c.attendance.columns.booth).toBe(booth)
    expect(k.attendance.columns.kiosk).toBe(booth)
    expect(c.booths.idLabel).toBe(k.setup.kioskId)
    expect(k.fields.kioskId).toBe(k.setup.kioskId)
  })

  it('the check-in number, first visit, event kinds and the scan time', () => {
    const number = SHEET_LABELS.checkInNumber[l]
    expect(c.attendance.columns.number).toBe(number)
    expect(k.attendance.columns.number).toBe(number)
    const winners = WINNER_COLUMNS.map((col) => col.label[l])
    expect(winners).toContain(number)
    expect(winners).toContain(SHEET_LABELS.name[l])
    expect(winners).toContain(c.campaigns.draws.prize)

    const first = SHEET_LABELS.firstVisit[l]
    expect(c.campaigns.greetingKind.first).toBe(first)
    expect(k.campaign.firstVisit).toBe(first)
    expect(k.greeting.kind['first-visit']).toBe(first)
    expect(k.attendance.first).toBe(first)

    expect(c.attendance.event.subscribe).toBe(kindLabel('subscribe', l))
    expect(k.diagnostics.kind.subscribe).toBe(kindLabel('subscribe', l))
    expect(c.stats.newFollowers).toBe(k.stats.newFollowers)
    expect(c.attendance.event.scan).toBe(kindLabel('scan', l))
    expect(k.diagnostics.kind.scan).toBe(kindLabel('scan', l))

    expect(c.attendance.columns.time).toBe(SHEET_LABELS.scannedAt[l])
    expect(k.attendance.columns.time).toBe(SHEET_LABELS.scannedAt[l])
    expect(c.attendance.columns.scene).toBe(SHEET_LABELS.scene[l])
    expect(k.diagnostics.fallbackCode).toBe(SHEET_LABELS.fallback[l])
  })

  it('the campaign, the roster’s columns and the returning visitor', () => {
    expect(c.scope.label).toBe(SHEET_LABELS.campaign[l])
    expect(c.booths.columns.campaign).toBe(SHEET_LABELS.campaign[l])
    expect(k.admin.pages.campaign).toBe(SHEET_LABELS.campaign[l])
    for (const f of ['name', 'company', 'phone', 'code'] as const) {
      expect(c.campaigns.roster.columns[f], f).toBe(SHEET_LABELS[f][l])
      expect(c.campaigns.roster.fields[f], f).toBe(SHEET_LABELS[f][l])
      expect(k.roster.fields[f], f).toBe(SHEET_LABELS[f][l])
    }
    expect(k.campaign.welcomeBack).toBe(c.campaigns.greetingKind.returning)
    expect(k.campaign.named).toBe(c.campaigns.greetingKind.named)
    expect(k.attendance.repeat).toBe(c.campaigns.greetingKind.returning)
    expect(k.stats.returning).toBe(c.stats.returning)
  })

  it('the sheets’ tabs, the winners, the screens and the stamp rally', () => {
    expect(c.nav.attendance).toBe(SHEET_NAMES.attendance[l])
    expect(c.attendance.title).toBe(SHEET_NAMES.attendance[l])
    expect(k.admin.pages.attendance).toBe(SHEET_NAMES.attendance[l])
    expect(c.campaigns.draws.export).toBe(SHEET_NAMES.winners[l])
    expect(screen.winners).toBe(SHEET_NAMES.winners[l])
    expect(c.campaigns.screenKey.wall).toBe(screen.wallTitle)
    expect(k.settings.bigScreenWall).toBe(screen.wallTitle)
    expect(k.settings.bigScreenDraw).toBe(c.campaigns.screenKey.draw)
    expect(c.campaigns.draws.guest.replace('{number}', '7')).toBe(screen.guest(7))
    expect(c.stats.stampsCompleted).toBe(SHEET_LABELS.stampsComplete[l])
  })

  it('the console, as it calls itself', () => {
    expect(k.campaign.managedBadge).toBe(c.app.title)
  })

  it('the pairing code and the admin PIN', () => {
    expect(k.setup.pairingCode).toBe(k.fields.code)
    expect(c.pairing.qrLabel.startsWith(k.setup.pairingCode.slice(0, 2))).toBe(true)
    expect(k.settings.pin).toContain(l === 'zh-CN' ? 'PIN 码' : 'PIN')
    expect(k.settings.currentPin).toBe(k.fields.currentPin)
    expect(k.settings.newPin).toBe(k.fields.newPin)
  })
})

describe('words that were retired', () => {
  // The old names of things that now have one (docs/GLOSSARY.md): none may come back in what
  // people read. Comments and identifiers are not checked, only the string tables below.
  const tables = [
    'console/src/i18n/zh-CN.ts',
    'console/src/i18n/en.ts',
    'renderer/src/i18n/zh-CN.ts',
    'renderer/src/i18n/en.ts',
    'console/src/screen/screen-text.ts',
    'shared/export/cells.ts',
    'relay/draws/draw-routes.ts',
    'relay/attendance/sheet.ts',
    'relay/pair-page.ts',
    'relay/screens/screen-routes.ts',
  ]
  /** The file's string literals, its comments taken out first (their apostrophes are no quotes). */
  const quoted = (file: string): string[] => {
    const code = readFileSync(join(root, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
    return [...code.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`]*)`/g)].map(
      (m) => m[1] ?? m[2] ?? m[3] ?? '',
    )
  }
  const retired: readonly [RegExp, string][] = [
    [/展位(?!模式)/, '签到台 (the booth); 展位 only in 展位模式, the booth mode'],
    [/展台/, '展位模式 (the booth mode)'],
    [/来访者/, '访客'],
    [/签到序号/, '签到号'],
    [/首次签到/, '首次到访'],
    [/\bkiosks?\b(?! add)/i, 'booth (the relay’s “kiosk add” keeps its name)'],
    [/guest list/i, 'roster'],
    [/中继控制台|组织者控制台|(relay|organizer[’']?s?) console/i, '活动控制台 / event console'],
  ]
  it.each(tables)('%s', (file) => {
    const found = quoted(file).flatMap((text) =>
      retired
        // The booth mode's short name in the campaign list.
        .filter(([re]) => re.test(text) && text !== '展位')
        .map(([, use]) => `“${text}”: use ${use}`),
    )
    expect(found).toEqual([])
  })

  // The desktop app's own boxes (start-up, first PIN) word things as the kiosk's screens do.
  it.each(['electron/core/kiosk-runtime.ts', 'electron/main/index.ts'])('%s', (file) => {
    const found = quoted(file).filter((text) => /信息亭|管理员 PIN|kiosk process/.test(text))
    expect(found).toEqual([])
  })

  it('the pair page names the booth and the pairing code as the console does', () => {
    expect(PAIR_PAGE_HTML).toContain(consoleZh.booths.columns.booth)
    expect(PAIR_PAGE_HTML).toContain('配对码')
    expect(PAIR_PAGE_HTML).toContain('pairing code')
  })
})

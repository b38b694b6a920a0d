/** A ConsoleApi whose every call is a vi.fn with contract-shaped defaults, and a hand on its event stream. */
import { vi } from 'vitest'
import type {
  ConsoleAttendanceRow,
  ConsoleEvent,
  ConsoleKiosk,
  ConsoleStats,
} from '../../shared/console-api'
import {
  attendanceExportUrl,
  type ConsoleApi,
  type StreamListener,
} from '../../console/src/api/client'
import type { CampaignInput, ConsoleCampaign } from '../../console/src/api/campaign-contract'
import { newDraft, checkDraft } from '../../console/src/campaigns/campaign-form'
import { noFollowUpCounts } from '../../shared/follow-up-api'
import { ConsoleApiError } from '../../console/src/api/errors'

export function makeKiosk(over: Partial<ConsoleKiosk> = {}): ConsoleKiosk {
  return {
    id: 'hall-a',
    online: true,
    lastSeenAt: Date.now(),
    queued: 0,
    scansToday: 0,
    campaignId: null,
    version: '0.1.0',
    ...over,
  }
}

export function makeStats(over: Partial<ConsoleStats> = {}): ConsoleStats {
  return { scans: 0, visitors: 0, newFollowers: 0, returning: 0, perKiosk: [], ...over }
}

export function makeRow(i: number): ConsoleAttendanceRow {
  return {
    kioskId: `booth-${i % 3}`,
    eventId: `e${i}`,
    openid: `o-${String(i).padStart(8, '0')}`,
    event: i % 2 ? 'scan' : 'subscribe',
    scene: `booth-${i % 3}:${i}`,
    ticket: `t${i}`,
    fallback: false,
    scannedAt: 1_764_633_600_000 + i * 1000,
    receivedAt: 1_764_633_600_000 + i * 1000,
    number: i + 1,
    name: i % 2 ? `访客 ${i}` : null,
  }
}

/** A valid campaign input: the form's defaults with a name. */
export function makeCampaignInput(over: Partial<CampaignInput> = {}): CampaignInput {
  const checked = checkDraft({ ...newDraft(), name: 'Expo 2026' })
  if (!checked.ok) throw new Error('the default draft does not pass its own schema')
  return { ...checked.input, ...over }
}

export function makeCampaign(over: Partial<ConsoleCampaign> = {}): ConsoleCampaign {
  return { ...makeCampaignInput(), id: 'c-expo', screenKey: 'k'.repeat(32), ...over }
}

export function createFakeConsoleApi() {
  const listeners = new Set<{ onEvent: (e: ConsoleEvent) => void; onState: StreamListener }>()
  const api = {
    session: vi.fn<ConsoleApi['session']>(() => Promise.resolve({ name: 'alice', expiresAt: 0 })),
    login: vi.fn<ConsoleApi['login']>((name) => Promise.resolve({ name, expiresAt: 0 })),
    logout: vi.fn<ConsoleApi['logout']>(() => Promise.resolve()),
    kiosks: vi.fn<ConsoleApi['kiosks']>(() => Promise.resolve([])),
    addKiosk: vi.fn<ConsoleApi['addKiosk']>((id) =>
      Promise.resolve({ id, pairingCode: 'ACDE4679', expiresAt: Date.now() + 15 * 60_000 }),
    ),
    pairKiosk: vi.fn<ConsoleApi['pairKiosk']>((id) =>
      Promise.resolve({ id, pairingCode: 'FGHJ3467', expiresAt: Date.now() + 15 * 60_000 }),
    ),
    revokeKiosk: vi.fn<ConsoleApi['revokeKiosk']>(() => Promise.resolve()),
    adminUnlockKiosk: vi.fn<ConsoleApi['adminUnlockKiosk']>((id) =>
      Promise.resolve({ id, sentAt: Date.now() }),
    ),
    // One booth as `kiosks` lists it now (404 when it does not), tagged with a stand-in ETag.
    kiosk: vi.fn<ConsoleApi['kiosk']>(async (id) => {
      const all: ConsoleKiosk[] = await (api.kiosks.getMockImplementation()?.() ??
        Promise.resolve([]))
      const kiosk = all.find((k) => k.id === id)
      if (kiosk === undefined) throw new ConsoleApiError('not_found', 404)
      return { kiosk, etag: `"${id}@${kiosk.campaignId ?? ''}"` }
    }),
    assignKiosk: vi.fn<ConsoleApi['assignKiosk']>((id, campaignId) =>
      Promise.resolve(makeKiosk({ id, campaignId })),
    ),
    campaigns: vi.fn<ConsoleApi['campaigns']>(() => Promise.resolve([])),
    campaign: vi.fn<ConsoleApi['campaign']>((id) =>
      Promise.resolve({ campaign: makeCampaign({ id }), etag: '"7"' }),
    ),
    createCampaign: vi.fn<ConsoleApi['createCampaign']>((input) =>
      Promise.resolve({ ...input, id: 'c-new', screenKey: 'n'.repeat(32) }),
    ),
    updateCampaign: vi.fn<ConsoleApi['updateCampaign']>((id, input) =>
      Promise.resolve({ campaign: { ...input, id, screenKey: 'k'.repeat(32) }, etag: '"8"' }),
    ),
    rotateScreenKey: vi.fn<ConsoleApi['rotateScreenKey']>((id) =>
      Promise.resolve({ campaign: makeCampaign({ id, screenKey: 'r'.repeat(32) }), etag: '"9"' }),
    ),
    followUp: vi.fn<ConsoleApi['followUp']>((id) =>
      Promise.resolve({
        campaignId: id,
        tag: 'expo',
        followUp: true,
        counts: noFollowUpCounts(),
        failures: [],
      }),
    ),
    uploadRoster: vi.fn<ConsoleApi['uploadRoster']>(() =>
      Promise.resolve({ stored: true, version: 1, total: 0, skipped: 0, errors: [] }),
    ),
    checkRoster: vi.fn<ConsoleApi['checkRoster']>(() =>
      Promise.resolve({ dryRun: true as const, total: 1, skipped: 0, errors: [] }),
    ),
    roster: vi.fn<ConsoleApi['roster']>(() =>
      Promise.resolve({ version: 0, total: 0, offset: 0, entries: [] }),
    ),
    screenUrl: (kind: 'wall' | 'draw', campaignId: string, key: string) =>
      `http://relay.test/screen/${campaignId}/${kind}?key=${key}`,
    stats: vi.fn<ConsoleApi['stats']>(() => Promise.resolve(makeStats())),
    statsDays: vi.fn<ConsoleApi['statsDays']>(() =>
      Promise.resolve({ timeZone: 'Asia/Shanghai', stopsAfterEndsAt: false, days: [] }),
    ),
    attendance: vi.fn<ConsoleApi['attendance']>(() => Promise.resolve({ total: 0, rows: [] })),
    exportUrl: attendanceExportUrl,
    checkDownload: vi.fn<ConsoleApi['checkDownload']>(() => Promise.resolve()),
    draws: vi.fn<ConsoleApi['draws']>(() => Promise.resolve([])),
    makeDraw: vi.fn<ConsoleApi['makeDraw']>(() => Promise.reject(new Error('no draws here'))),
    redraw: vi.fn<ConsoleApi['redraw']>(() => Promise.reject(new Error('no draws here'))),
    eraseVisitor: vi.fn<ConsoleApi['eraseVisitor']>((campaignId) =>
      Promise.resolve({
        campaignId,
        at: 0,
        number: null,
        bindings: 0,
        stamps: 0,
        followUp: false,
        draws: 0,
      }),
    ),
    drawWinnersUrl: (campaignId: string, drawId: string, format: 'csv' | 'xlsx') =>
      `/console/api/campaigns/${campaignId}/draws/${drawId}/winners?format=${format}`,
    drawRecordUrl: (campaignId: string, drawId: string) =>
      `/console/api/campaigns/${campaignId}/draws/${drawId}/record`,
    events: vi.fn<ConsoleApi['events']>((onEvent, onState) => {
      const entry = { onEvent, onState }
      listeners.add(entry)
      return () => listeners.delete(entry)
    }),
  } satisfies ConsoleApi
  return {
    api,
    emit: (event: ConsoleEvent) => listeners.forEach((l) => l.onEvent(event)),
    closeStream: () => [...listeners].forEach((l) => l.onState('closed')),
    /** The connection dropped and EventSource is retrying; then it opens again. */
    dropStream: () => [...listeners].forEach((l) => l.onState('reconnecting')),
    reopenStream: () => [...listeners].forEach((l) => l.onState('open')),
    streams: () => listeners.size,
  }
}

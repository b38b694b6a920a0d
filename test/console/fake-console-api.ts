/** A ConsoleApi whose every call is a vi.fn with contract-shaped defaults, and a hand on its event stream. */
import { vi } from 'vitest'
import type {
  ConsoleAttendanceRow,
  ConsoleEvent,
  ConsoleKiosk,
  ConsoleStats,
} from '../../shared/console-api'
import type { ConsoleApi, StreamListener } from '../../console/src/api/client'

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
  }
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
    stats: vi.fn<ConsoleApi['stats']>(() => Promise.resolve(makeStats())),
    attendance: vi.fn<ConsoleApi['attendance']>(() => Promise.resolve({ total: 0, rows: [] })),
    exportUrl: (format: 'csv' | 'xlsx') => `/console/api/attendance?format=${format}`,
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

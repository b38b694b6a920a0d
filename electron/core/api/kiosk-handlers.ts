/** The contract's methods, implemented over the core's parts. Inputs arrive already parsed. */
import { campaignSchema } from '../../../shared/domain'
import { errorBody } from '../../../shared/errors'
import type { ConnectionCheck, PublicSettings } from '../../../shared/ipc'
import { listAttendance, attendanceStats } from '../scans/attendance-queries'
import type { KioskCore } from '../kiosk-core'
import type { KioskHandlers } from './kiosk-api'
import { KioskError } from './kiosk-error'
import { relayHttpUrl } from '../config/relay-url'
import { applySetup } from '../config/setup'
import { pairWithRelay } from '../config/pairing'
import { importRoster } from '../roster/roster-apply'

/** The shell's start-at-login switch (same shape as electron/main/login-item.ts). */
export interface StartAtLogin {
  get(): boolean | null
  set(enabled: boolean): void
}

export function createHandlers(core: KioskCore): KioskHandlers {
  const ok = { ok: true as const }
  const requireCampaign = (id: string) => {
    const c = core.campaigns.get(id)
    if (!c) throw new KioskError('campaign_not_found', 'no such campaign')
    return c
  }
  const activeCampaignId = () => {
    const id = core.settings().activeCampaignId
    if (id === null) throw new KioskError('no_active_campaign', 'activate a campaign first')
    return id
  }

  return {
    getScreenState: () => core.screenState(),
    greetingShown: ({ eventId }) => {
      if (!core.attendance.markGreetingShown(eventId))
        throw new KioskError('event_not_found', 'no such event')
      return ok
    },
    setLocale: ({ locale }) => {
      core.updateSettings({ locale })
      core.events.emit('locale', locale)
      return ok
    },

    unlockAdmin: ({ pin }) => core.auth.unlock(pin),
    lockAdmin: () => {
      core.auth.lock()
      return ok
    },
    setPin: ({ currentPin, newPin }) => {
      if (!core.auth.setPin(currentPin, newPin))
        throw new KioskError('wrong_pin', 'currentPin: the current PIN is wrong')
      return ok
    },
    getSettings: (): PublicSettings => {
      const s = core.settings()
      return {
        kioskId: s.kioskId,
        ticketSource: s.ticketSource,
        relayUrl: s.relayUrl,
        apiBase: s.apiBase,
        appId: s.appId,
        hasAppSecret: core.o.vault.get('appSecret') !== null,
        hasRelayToken: core.o.vault.get('relayToken') !== null,
        activeCampaignId: s.activeCampaignId,
        locale: s.locale,
        demo: s.demo,
        startAtLogin: core.o.startAtLogin ? core.o.startAtLogin.get() : null,
      }
    },
    saveSetup: (input) => applySetup(core, input),
    pairWithCode: (input) => pairWithRelay(core, input),
    testConnection: async () => {
      const [relay, api] = await Promise.all([checkRelay(core), core.pool.probe()])
      return { relay, api }
    },

    listCampaigns: () => core.campaigns.list(),
    saveCampaign: (campaign) => {
      core.campaigns.save(campaignSchema.parse(campaign))
      if (core.settings().activeCampaignId === campaign.id) {
        core.events.emit('campaign', core.activeCampaign())
        core.pool.campaignChanged()
      }
      return ok
    },
    activateCampaign: ({ id }) => {
      requireCampaign(id)
      core.updateSettings({ activeCampaignId: id })
      core.events.emit('campaign', core.activeCampaign())
      core.pool.campaignChanged()
      return ok
    },
    listAttendance: (q) => listAttendance(core.db, q),
    getStats: ({ campaignId }) => attendanceStats(core.db, campaignId),
    startExport: ({ campaignId, format }) => {
      requireCampaign(campaignId)
      return { exportId: core.exports.start(campaignId, format) }
    },
    importRoster: (input) => importRoster(core, activeCampaignId(), input),
    searchRoster: ({ query, limit }) => {
      const id = core.settings().activeCampaignId
      return id === null ? [] : core.roster.search(id, query, limit)
    },
    showDeskTicket: ({ rosterEntryId }) => {
      const entry = core.roster.byId(rosterEntryId)
      if (!entry || entry.campaignId !== core.settings().activeCampaignId) {
        throw new KioskError(
          'registration_not_found',
          'no such registration in the active campaign',
        )
      }
      return core.pool.showDesk({ id: entry.id, name: entry.name })
    },
    getDiagnostics: () => {
      const d = core.relayDiagnostics()
      return {
        version: core.o.version ?? '0.0.0',
        kioskId: core.settings().kioskId,
        status: core.status(),
        relay: {
          epoch: d?.epoch ?? null,
          lastAckedSeq: d?.lastAckedSeq ?? 0,
          lagMs: d?.lagMs ?? null,
        },
        lastEvents: core.attendance.latest(50),
        fallbackCode: core.fallback.status(),
      }
    },
    setStartAtLogin: ({ enabled }) => {
      const sal = core.o.startAtLogin
      if (!sal)
        throw new KioskError('desktop_only', 'Start at login is only available in the desktop app.')
      sal.set(enabled)
      core.updateSettings({ startAtLogin: enabled })
      return ok
    },
  }
}

/** The relay half of "test connection", as a code the admin area words. */
async function checkRelay(core: KioskCore): Promise<ConnectionCheck> {
  const s = core.settings()
  if (s.relayUrl === null || s.kioskId === null)
    return { ok: false, ...errorBody('not_configured') }
  if (core.status().relay.state === 'connected') return { ok: true, ...errorBody('ok') }
  const linkError = core.relayDiagnostics()?.lastError ?? null
  try {
    const res = await fetch(relayHttpUrl(s.relayUrl, '/healthz'), {
      signal: AbortSignal.timeout(5000),
    })
    if (!res.ok) return { ok: false, ...errorBody('unhealthy', { status: res.status }) }
  } catch {
    return { ok: false, ...errorBody('unreachable') }
  }
  if (linkError === 'unauthorized' || linkError === 'forbidden' || linkError === 'revoked') {
    return { ok: false, ...errorBody('unauthorized') }
  }
  return { ok: false, ...errorBody('connecting') }
}

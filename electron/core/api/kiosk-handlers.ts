/**
 * The contract's methods, implemented over the core's parts. Inputs arrive already parsed.
 * Each method gets only the stores and services it uses (`HandlerDeps`), never the core.
 */
import type { Logger } from '../../../shared/server/log'
import type { Campaign, KioskStatus } from '../../../shared/domain'
import { editableCampaignSchema } from '../../../shared/domain'
import { errorBody } from '../../../shared/errors'
import type {
  ConnectionCheck,
  MethodOutput,
  PublicSettings,
  ScreenState,
  SetupInput,
} from '../../../shared/ipc'
import type { BoothDataAtRisk } from '../clear-booth'
import type { AdminAuth } from '../config/admin-auth'
import type { CampaignStore } from '../campaigns/campaign-store'
import type { SettingsAccess } from '../config/settings'
import type { SecretVault } from '../config/vault'
import type { ExportJobs } from '../export/export-jobs'
import type { RosterStore } from '../roster/roster-store'
import type { AttendanceQueries } from '../scans/attendance-queries'
import type { AttendanceStore } from '../scans/attendance-store'
import type { GreetingBacklog } from '../scans/greeting-backlog'
import type { RelayLink } from '../scans/relay-link'
import type { FallbackCodes } from '../tickets/fallback-code'
import type { TicketPool } from '../tickets/ticket-pool'
import type { KioskHandlers } from './kiosk-api'
import { KioskError } from './kiosk-error'
import type { KioskEvents } from './kiosk-events'
import { applySetup, type SetupDeps } from '../config/setup'
import { checkForm, relayHealth } from './form-connection-check'
import { pairWithRelay } from '../config/pairing'
import { proxyInUse } from '../net/proxy'
import { importRoster, preloadRosterParsers } from '../roster/roster-apply'

/** The shell's start-at-login switch (same shape as electron/main/login-item.ts). */
export interface StartAtLogin {
  get(): boolean | null
  set(enabled: boolean): void
}

/** The admin area's "clear this booth" (clear-booth.ts; the runtime stops and restarts the core). */
export interface BoothClearing {
  /** What only this booth holds, read from its database (read only). */
  atRisk(): BoothDataAtRisk
  clear(confirmLoss: boolean): Promise<MethodOutput<'clearBooth'>> | MethodOutput<'clearBooth'>
}

/** What only the composition knows: the states it assembles from several parts. */
export interface KioskView {
  screenState(): ScreenState
  status(): KioskStatus
  activeCampaign(): Campaign | null
  relayDiagnostics(): ReturnType<RelayLink['diagnostics']> | null
  /** The relay runs this kiosk in a campaign with big-screen paths. */
  bigScreenAvailable(): boolean
}

export interface HandlerDeps {
  settings: SettingsAccess
  /** Read for "is a secret stored"; setup writes it through `setup`. */
  vault: Pick<SecretVault, 'get'>
  /** Absent where there is none (web mode). */
  startAtLogin: StartAtLogin | null
  version: string
  now: () => number
  log?: Logger
  view: KioskView
  events: Pick<KioskEvents, 'emit'>
  auth: Pick<AdminAuth, 'unlock' | 'lock' | 'setPin'>
  campaigns: Pick<CampaignStore, 'get' | 'list' | 'save'>
  attendance: Pick<AttendanceStore, 'markGreetingShown' | 'latest'>
  greetings: Pick<GreetingBacklog, 'shown'>
  queries: Pick<AttendanceQueries, 'list' | 'stats'>
  roster: Pick<RosterStore, 'byId' | 'search' | 'upsertMany'>
  pool: Pick<TicketPool, 'probe' | 'campaignChanged' | 'showDesk'>
  exports: Pick<ExportJobs, 'start'>
  fallback: Pick<FallbackCodes, 'status'>
  setup: SetupDeps
  booth: BoothClearing
}

export function createHandlers(d: HandlerDeps): KioskHandlers {
  const ok = { ok: true as const }
  const requireCampaign = (id: string) => {
    const c = d.campaigns.get(id)
    if (!c) throw new KioskError('campaign_not_found', 'no such campaign')
    return c
  }
  /** A campaign the relay runs this kiosk in is edited in the relay's console, not here. */
  const refuseWhenManaged = () => {
    if (d.view.activeCampaign()?.managedBy === 'relay') {
      throw new KioskError('campaign_managed', 'the relay console manages this kiosk’s campaign')
    }
  }
  const activeCampaignId = () => {
    const id = d.settings.get().activeCampaignId
    if (id === null) throw new KioskError('no_active_campaign', 'activate a campaign first')
    return id
  }

  return {
    getScreenState: () => d.view.screenState(),
    greetingShown: ({ eventId }) => {
      d.greetings.shown(eventId)
      if (!d.attendance.markGreetingShown(eventId))
        throw new KioskError('event_not_found', 'no such event')
      return ok
    },
    setLocale: ({ locale }) => {
      d.settings.update({ locale })
      d.events.emit('locale', locale)
      return ok
    },

    unlockAdmin: ({ pin }) => {
      const result = d.auth.unlock(pin)
      // A roster import may be next; a campaign the relay runs takes its roster from there.
      if (result.ok && d.view.activeCampaign()?.managedBy !== 'relay') preloadRosterParsers()
      return result
    },
    lockAdmin: () => {
      d.auth.lock()
      return ok
    },
    setPin: ({ currentPin, newPin }) => {
      const outcome = d.auth.setPin(currentPin, newPin)
      if (outcome === 'wrong')
        throw new KioskError('wrong_pin', 'currentPin: the current PIN is wrong')
      // Too many wrong PINs: the session is over, and the screen goes back to the PIN pad.
      if (outcome === 'locked')
        throw new KioskError('admin_locked', 'currentPin: too many wrong PINs; locked out')
      return ok
    },
    getSettings: (): PublicSettings => {
      const s = d.settings.get()
      return {
        kioskId: s.kioskId,
        ticketSource: s.ticketSource,
        relayUrl: s.relayUrl,
        apiBase: s.apiBase,
        appId: s.appId,
        hasAppSecret: d.vault.get('appSecret') !== null,
        hasRelayToken: d.vault.get('relayToken') !== null,
        activeCampaignId: s.activeCampaignId,
        locale: s.locale,
        demo: s.demo,
        startAtLogin: d.startAtLogin ? d.startAtLogin.get() : null,
        bigScreen: s.bigScreen,
        bigScreenAvailable: d.view.bigScreenAvailable(),
      }
    },
    setBigScreen: ({ screen }) => {
      d.settings.update({ bigScreen: screen })
      d.events.emit('screen', d.view.screenState())
      return ok
    },
    saveSetup: (input: SetupInput) => applySetup(d.setup, input),
    pairWithCode: (input) => pairWithRelay(d.setup, input),
    testConnection: async (form) => {
      if (form === undefined) {
        const [relay, api] = await Promise.all([checkRelay(d), d.pool.probe()])
        return { relay, api }
      }
      return checkForm(
        {
          settings: d.settings.get(),
          vault: d.vault,
          lifetimeSeconds: d.view.activeCampaign()?.ticketLifetimeSeconds ?? 600,
          liveRelay: () => checkRelay(d),
          liveApi: () => d.pool.probe(),
        },
        form,
      )
    },

    listCampaigns: () => d.campaigns.list(),
    saveCampaign: (campaign) => {
      d.campaigns.save(editableCampaignSchema.parse(campaign))
      if (d.settings.get().activeCampaignId === campaign.id) {
        d.events.emit('campaign', d.view.activeCampaign())
        d.pool.campaignChanged()
      }
      return ok
    },
    activateCampaign: ({ id }) => {
      refuseWhenManaged()
      // A campaign the relay ran this kiosk in before is listed for its attendance only.
      if (requireCampaign(id).managedBy === 'relay') {
        throw new KioskError('campaign_managed', 'the relay console runs this campaign')
      }
      d.settings.update({ activeCampaignId: id })
      d.events.emit('campaign', d.view.activeCampaign())
      d.pool.campaignChanged()
      return ok
    },
    listAttendance: (q) => d.queries.list(q),
    getStats: ({ campaignId }) => d.queries.stats(campaignId),
    startExport: ({ campaignId, format }) => {
      requireCampaign(campaignId)
      return { exportId: d.exports.start(campaignId, format) }
    },
    importRoster: (input) => {
      refuseWhenManaged()
      return importRoster(d, activeCampaignId(), input)
    },
    searchRoster: ({ query, limit }) => {
      const id = d.settings.get().activeCampaignId
      return id === null ? [] : d.roster.search(id, query, limit)
    },
    showDeskTicket: ({ rosterEntryId }) => {
      const entry = d.roster.byId(rosterEntryId)
      if (!entry || entry.campaignId !== d.settings.get().activeCampaignId) {
        throw new KioskError(
          'registration_not_found',
          'no such registration in the active campaign',
        )
      }
      return d.pool.showDesk({ id: entry.id, name: entry.name })
    },
    getDiagnostics: () => {
      const link = d.view.relayDiagnostics()
      return {
        version: d.version,
        kioskId: d.settings.get().kioskId,
        status: d.view.status(),
        relay: {
          epoch: link?.epoch ?? null,
          lastAckedSeq: link?.lastAckedSeq ?? 0,
          lagMs: link?.lagMs ?? null,
          proxy: proxyInUse(d.settings.get().relayUrl),
        },
        lastEvents: d.attendance.latest(50),
        fallbackCode: d.fallback.status(),
      }
    },
    boothDataAtRisk: () => d.booth.atRisk(),
    clearBooth: ({ confirmLoss }) => d.booth.clear(confirmLoss),
    setStartAtLogin: ({ enabled }) => {
      const sal = d.startAtLogin
      if (!sal)
        throw new KioskError('desktop_only', 'Start at login is only available in the desktop app.')
      sal.set(enabled)
      d.settings.update({ startAtLogin: enabled })
      return ok
    },
  }
}

/** Link failures that are the network's: the health check says whether the relay is up. */
const NETWORK_LINK_ERRORS = new Set(['unreachable', 'timeout', 'unhealthy'])

/** The relay half of "test connection", as a code the admin area words. */
async function checkRelay(d: Pick<HandlerDeps, 'settings' | 'view'>): Promise<ConnectionCheck> {
  const s = d.settings.get()
  if (s.relayUrl === null || s.kioskId === null)
    return { ok: false, ...errorBody('not_configured') }
  const linkError = d.view.relayDiagnostics()?.lastError ?? null
  if (d.view.status().relay.state === 'connected' && linkError === null) {
    return { ok: true, ...errorBody('ok') }
  }
  // The link's own failure says more than the health check (a full kiosk disk, a revoked
  // token, an address that refuses the link); a network one is for the health check to tell.
  if (linkError !== null && !NETWORK_LINK_ERRORS.has(linkError.code)) {
    return { ok: false, ...linkError }
  }
  const health = await relayHealth(s.relayUrl)
  return health.ok ? { ok: false, ...errorBody('connecting') } : health
}

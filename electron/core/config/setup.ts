/**
 * Connecting the kiosk to a relay and an account: from the admin area (`saveSetup`) or
 * headless from flags + environment. Both go through `planSetup`, so they check the same things.
 */
import type { Logger } from '../../../shared/server/log'
import type { SetupInput } from '../../../shared/ipc'
import { DEFAULT_API_BASE, newConnectionId, type Settings, type SettingsAccess } from './settings'
import type { SecretName, SecretVault } from './vault'
import { beginSetup, type SecretChanges } from './pending-setup'

/** `code` is for the admin area (shared/errors.ts); `message` is English for the headless CLI. */
type FieldError = { field: string; code: 'required' | 'reenter'; message: string }
export type SetupPlan =
  | { ok: false; errors: FieldError[] }
  | {
      ok: true
      settings: Settings
      secrets: Partial<Record<SecretName, string>>
      /** Stored secrets whose address changed and that were not entered again. */
      drop: SecretName[]
      connectionChanged: boolean
    }

/** The account half of a setup (direct codes): what `planAccount` makes of the typed fields. */
export interface AccountPlan {
  errors: FieldError[]
  apiBase: string
  appId: string | null
  /** The AppSecret that would be used: the typed one, else the stored one if it may be. */
  appSecret: string | null
  /** The AppID or API address differs from the saved one (the stored AppSecret stays behind). */
  secretMoved: boolean
}

/**
 * The AppID, API address and AppSecret as a setup would take them, judged on those fields
 * alone (errors only for direct codes, which need them). The same rules saving applies.
 */
export function planAccount(
  s: Settings,
  vault: Pick<SecretVault, 'get'>,
  input: Pick<SetupInput, 'ticketSource' | 'apiBase' | 'appId' | 'appSecret'>,
): AccountPlan {
  const errors: FieldError[] = []
  // Leaving demo mode: the demo's secrets and sandbox address belong to the demo only.
  const fromDemo = s.demo
  const appId = input.appId ?? (fromDemo ? null : s.appId)
  const apiBase = input.apiBase ?? (fromDemo ? DEFAULT_API_BASE : s.apiBase)
  // A stored secret is only ever sent where it was entered for (see planSetup).
  const secretMoved = s.apiBase !== apiBase || s.appId !== appId
  const savedSecret = fromDemo ? null : vault.get('appSecret')
  const storedSecret = secretMoved ? null : savedSecret
  if (input.ticketSource === 'direct') {
    if (appId === null)
      errors.push({
        field: 'appId',
        code: 'required',
        message: 'AppID is required to create codes directly',
      })
    if (input.appSecret === undefined && storedSecret === null) {
      errors.push(
        savedSecret !== null
          ? {
              field: 'appSecret',
              code: 'reenter',
              message: 'the AppID or API address changed: enter the AppSecret again',
            }
          : {
              field: 'appSecret',
              code: 'required',
              message: 'AppSecret is required to create codes directly',
            },
      )
    }
  }
  return { errors, apiBase, appId, appSecret: input.appSecret ?? storedSecret, secretMoved }
}

export function planSetup(
  s: Settings,
  vault: Pick<SecretVault, 'get'>,
  input: SetupInput,
): SetupPlan {
  const errors: FieldError[] = []
  // Leaving demo mode: the demo's secrets and sandbox address belong to the demo only.
  const fromDemo = s.demo
  // A stored secret is only ever sent where it was entered for: change the relay address (or
  // the account and its API address) and it must be typed again, so that someone with the PIN
  // cannot point the kiosk at their own server and collect it.
  const tokenMoved = s.relayUrl !== input.relayUrl
  const savedToken = fromDemo ? null : vault.get('relayToken')
  const storedToken = tokenMoved ? null : savedToken
  if (input.relayToken === undefined && storedToken === null) {
    errors.push(
      savedToken !== null
        ? {
            field: 'relayToken',
            code: 'reenter',
            message: 'the relay address changed: enter the kiosk token again',
          }
        : {
            field: 'relayToken',
            code: 'required',
            message: 'the kiosk token from `relay kiosk add` is required',
          },
    )
  }
  const account = planAccount(s, vault, input)
  const { apiBase, appId, secretMoved } = account
  errors.push(...account.errors)
  if (errors.length > 0) return { ok: false, errors }

  const connectionChanged =
    fromDemo ||
    s.kioskId !== input.kioskId ||
    s.relayUrl !== input.relayUrl ||
    s.ticketSource !== input.ticketSource ||
    s.appId !== appId ||
    s.apiBase !== apiBase
  const settings: Settings = {
    ...s,
    kioskId: input.kioskId,
    relayUrl: input.relayUrl,
    ticketSource: input.ticketSource,
    apiBase,
    appId,
    demo: false,
    // The demo campaign is deleted on the way out; the organizer picks or creates a real one.
    activeCampaignId: fromDemo ? null : s.activeCampaignId,
    connectionId: connectionChanged ? newConnectionId() : s.connectionId,
    // The pairing code's hash stays only while the token it gave stays in use for the same
    // relay and kiosk id; a pairing sets the new one after planning (`applySetup`, `provision`).
    pairedCodeHash:
      !fromDemo &&
      !tokenMoved &&
      s.kioskId === input.kioskId &&
      (input.relayToken === undefined || input.relayToken === savedToken)
        ? s.pairedCodeHash
        : null,
  }
  const secrets: Partial<Record<SecretName, string>> = {}
  if (input.relayToken !== undefined) secrets.relayToken = input.relayToken
  if (input.appSecret !== undefined) secrets.appSecret = input.appSecret
  const drop: SecretName[] = []
  if (tokenMoved && secrets.relayToken === undefined) drop.push('relayToken')
  if (secretMoved && secrets.appSecret === undefined) drop.push('appSecret')
  return { ok: true, settings, secrets, drop, connectionChanged }
}

/**
 * The vault's changes of a planned setup: the secrets entered, the ones it drops, and (leaving
 * the demo, `dropOthers`) every other one.
 */
export function secretChanges(
  vault: Pick<SecretVault, 'get'>,
  plan: { secrets: Partial<Record<SecretName, string>>; drop: readonly SecretName[] },
  dropOthers: boolean,
): SecretChanges {
  const changes: SecretChanges = {}
  for (const name of ['relayToken', 'appSecret'] as const) {
    const value = plan.secrets[name]
    if (value !== undefined) {
      if (vault.get(name) !== value) changes[name] = value
    } else if (dropOthers || plan.drop.includes(name)) changes[name] = null
  }
  return changes
}

/** What saving a setup touches: settings, secrets, and the core's links (rebuilt from them). */
export interface SetupDeps {
  /** Where a setup's record is kept until it is saved whole (config/pending-setup.ts). */
  dataDir: string
  settings: SettingsAccess
  vault: SecretVault
  /** Leaving demo mode: stops the demo relay's link and deletes what the demo recorded. */
  retireDemoLink(): Promise<void>
  /** Rebuilds the ticket source and relay link from settings and vault. */
  reconfigure(): void
  stopDemoServices(): Promise<void>
  log?: Logger
}

/**
 * Saves a setup and rebuilds the links. `pairedCodeHash`: the setup is what a pairing code gave
 * (config/pairing.ts), kept as the settings' `pairedCodeHash`.
 */
export async function applySetup(d: SetupDeps, input: SetupInput, pairedCodeHash?: string) {
  const { vault } = d
  const wasDemo = d.settings.get().demo
  const plan = planSetup(d.settings.get(), vault, input)
  // Codes only across the bridge: the admin area words them in its own language.
  if (!plan.ok)
    return { ok: false as const, errors: plan.errors.map(({ field, code }) => ({ field, code })) }
  const demoToken = wasDemo ? vault.get('relayToken') : null
  const next = pairedCodeHash === undefined ? plan.settings : { ...plan.settings, pairedCodeHash }
  // First: a vault that refuses the secrets (no OS encryption) stops here, before any change.
  // Settings and secrets are two files: the record makes a crash between them whole at the
  // next start (config/pending-setup.ts).
  const pending = beginSetup(d.dataDir, vault, next, secretChanges(vault, plan, wasDemo), wasDemo)
  if (wasDemo) {
    try {
      await d.retireDemoLink()
    } catch (err) {
      // Back on the demo relay with its token: nothing of the real setup is applied.
      if (demoToken !== null) vault.set('relayToken', demoToken)
      pending.drop()
      d.reconfigure()
      throw err
    }
  }
  d.settings.update(next)
  pending.done()
  d.reconfigure()
  if (wasDemo) await d.stopDemoServices()
  return { ok: true as const }
}

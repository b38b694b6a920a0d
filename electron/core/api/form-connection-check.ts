/**
 * 测试连接 with what the setup page's form has now, saving nothing. The form's fields go through
 * the setup's own checks (`setupInputSchema`, `planSetup`: a stored secret only for the address
 * it was entered for). Each half (the relay; the codes) that the form leaves as saved gets its
 * live check (the link's state; a ticket into the pool); one that differs is tried afresh: the
 * relay's `/kiosk` upgrade with the token (no hello follows, so the relay leaves this kiosk's
 * live link alone), and one ticket from the form's source, which is dropped. Pairing (no kiosk
 * id yet): the relay's health only.
 */
import { errorBody } from '../../../shared/errors'
import {
  setupInputSchema,
  type ConnectionCheck,
  type ConnectionTestInput,
  type SetupInput,
} from '../../../shared/ipc'
import { relayHttpUrl } from '../config/relay-url'
import type { Settings } from '../config/settings'
import { planAccount, planSetup } from '../config/setup'
import type { SecretName, SecretVault } from '../config/vault'
import { makeTicketSource } from '../tickets/ticket-sources'
import { createDirectTicketSource } from '../tickets/ticket-source-direct'
import { sourceErrorBody, type TicketSource } from '../tickets/ticket-source'
import { openRelaySocket, signInAnswer, untrustedCertificate } from '../scans/relay-socket'
import { netFetch, proxyFault } from '../net/proxy'

export interface ConnectionChecks {
  relay: ConnectionCheck
  api: ConnectionCheck
}

export interface FormCheckDeps {
  settings: Settings
  vault: Pick<SecretVault, 'get'>
  /** The active campaign's code lifetime (the probe ticket's). */
  lifetimeSeconds: number
  /** The checks of the saved setup (测试连接 without the form): the relay's, the codes'. */
  liveRelay: () => Promise<ConnectionCheck>
  liveApi: () => Promise<ConnectionCheck>
  timeoutMs?: number
}

/** A setup field a check's failure can be down to: the page marks it. */
type CheckField = NonNullable<ConnectionCheck['field']>

const fail = (
  code: 'required' | 'invalid' | 'insecure_http' | 'user_info' | 'reenter' | 'not_configured',
  field?: CheckField,
): ConnectionCheck => ({
  ok: false,
  ...errorBody(code),
  ...(field === undefined ? {} : { field }),
})
const passed: ConnectionCheck = { ok: true, ...errorBody('ok') }

type FieldName = Exclude<keyof SetupInput, 'ticketSource'>

/** The kiosk a direct probe's scene names while pairing (no kiosk id yet): the code is dropped. */
const PROBE_KIOSK_ID = 'connection-test'

/** A typed field's problem, or null when the setup would take it. */
function fieldProblem(field: FieldName, value: string): ConnectionCheck | null {
  if (value === '') return fail('required', field)
  const parsed = setupInputSchema.shape[field].safeParse(value)
  if (parsed.success) return null
  // Plain http:// to another host, and a user name or password in the address, have their own
  // words, as when saving.
  const own = (code: string) =>
    parsed.error.issues.some((i) => i.code === 'custom' && i.params?.code === code)
  if (own('insecure_http')) return fail('insecure_http', field)
  return fail(own('user_info') ? 'user_info' : 'invalid', field)
}

/** The field a failure is down to, when it is one field's; `null`: none (the network, the relay's state). */
function blame(
  c: ConnectionCheck,
  field: (c: ConnectionCheck) => CheckField | null,
): ConnectionCheck {
  if (c.ok || c.field !== undefined) return c
  const f = field(c)
  return f === null ? c : { ...c, field: f }
}

/** A relay check: an address that cannot be reached or is no relay; a token it refuses. */
function relayField(c: ConnectionCheck): CheckField | null {
  if (c.code === 'unreachable' || c.code === 'link_refused') return 'relayUrl'
  if (c.code === 'unauthorized' || c.code === 'revoked') return 'relayToken'
  return null
}

/** A direct code: WeChat refusing the AppID (40013) or the AppSecret; an API address not reached. */
function accountField(c: ConnectionCheck): CheckField | null {
  if (c.code === 'bad_credentials') return c.params.errcode === 40013 ? 'appId' : 'appSecret'
  if (c.code === 'unreachable') return 'apiBase'
  return null
}

export async function checkForm(
  d: FormCheckDeps,
  form: ConnectionTestInput,
): Promise<ConnectionChecks> {
  const direct = form.ticketSource === 'direct'
  const present = (v: string | undefined): string | undefined => {
    const t = v?.trim()
    return t === '' ? undefined : t
  }
  const relayUrl = form.relayUrl.trim()
  const kioskId = form.kioskId?.trim()
  const relayToken = present(form.relayToken)
  const apiBase = direct ? present(form.apiBase) : undefined
  const appId = direct ? present(form.appId) : undefined
  const appSecret = direct ? present(form.appSecret) : undefined

  const relayProblem =
    fieldProblem('relayUrl', relayUrl) ??
    (kioskId === undefined ? null : fieldProblem('kioskId', kioskId)) ??
    (relayToken === undefined ? null : fieldProblem('relayToken', relayToken))
  const apiProblem = direct
    ? ((apiBase === undefined ? null : fieldProblem('apiBase', apiBase)) ??
      (appId === undefined ? null : fieldProblem('appId', appId)) ??
      (appSecret === undefined ? null : fieldProblem('appSecret', appSecret)))
    : null

  /** The relay half: the typed address, kiosk id and token (the stored one by the setup's rule). */
  const relayPart = async (): Promise<ConnectionCheck> => {
    if (relayProblem !== null) return relayProblem
    if (kioskId === undefined) return relayHealth(relayUrl, d.timeoutMs)
    const plan = planSetup(d.settings, d.vault, {
      ticketSource: 'proxy',
      relayUrl,
      kioskId,
      ...(relayToken === undefined ? {} : { relayToken }),
    })
    if (!plan.ok) return fail(plan.errors[0]?.code ?? 'required', 'relayToken')
    const stored = d.vault.get('relayToken')
    const token = plan.secrets.relayToken ?? stored
    const s = d.settings
    if (!s.demo && s.relayUrl === relayUrl && s.kioskId === kioskId && token === stored) {
      return d.liveRelay()
    }
    return token === null
      ? fail('required', 'relayToken')
      : relayAccepts(relayUrl, token, d.timeoutMs)
  }

  /**
   * The code half. Direct codes: the AppID, AppSecret and API address alone (the relay's fields
   * play no part in making a code). Through the relay: no code is tried from a relay setup that
   * could not be saved.
   */
  const apiPart = async (): Promise<ConnectionCheck> => {
    if (apiProblem !== null) return apiProblem
    return direct ? blame(await directPart(), accountField) : proxyPart()
  }

  const directPart = async (): Promise<ConnectionCheck> => {
    // The setup's own rules for the account's fields; a plan only, nothing is written.
    const account = planAccount(d.settings, d.vault, {
      ticketSource: 'direct',
      ...(apiBase === undefined ? {} : { apiBase }),
      ...(appId === undefined ? {} : { appId }),
      ...(appSecret === undefined ? {} : { appSecret }),
    })
    const problem = account.errors[0]
    if (problem !== undefined)
      return fail(problem.code, problem.field === 'appId' ? 'appId' : 'appSecret')
    if (account.appId === null || account.appSecret === null) return fail('not_configured')
    const s = d.settings
    const asSaved =
      !s.demo &&
      s.ticketSource === 'direct' &&
      s.kioskId !== null &&
      !account.secretMoved &&
      account.appSecret === d.vault.get('appSecret')
    if (asSaved) return d.liveApi()
    // The probe's scene names the typed kiosk, or a stand-in while pairing: it is dropped.
    const sceneKiosk =
      kioskId !== undefined && fieldProblem('kioskId', kioskId) === null
        ? kioskId
        : (s.kioskId ?? PROBE_KIOSK_ID)
    const source = createDirectTicketSource({
      appId: account.appId,
      appSecret: account.appSecret,
      apiBase: account.apiBase,
      kioskId: sceneKiosk,
    })
    return probe(source, d.lifetimeSeconds)
  }

  const proxyPart = async (): Promise<ConnectionCheck> => {
    if (relayProblem !== null || kioskId === undefined) return fail('not_configured')
    const input: SetupInput = { ticketSource: 'proxy', relayUrl, kioskId }
    if (relayToken !== undefined) input.relayToken = relayToken
    // The setup's own rules; a plan only, nothing is written.
    const plan = planSetup(d.settings, d.vault, input)
    if (!plan.ok) return fail('not_configured')
    const sameToken =
      plan.secrets.relayToken === undefined || plan.secrets.relayToken === d.vault.get('relayToken')
    if (!plan.connectionChanged && sameToken) return d.liveApi()
    const secretOf = (name: SecretName): string | null =>
      plan.secrets[name] ?? (plan.drop.includes(name) ? null : d.vault.get(name))
    const source = makeTicketSource(plan.settings, { get: secretOf })
    return source === null ? fail('not_configured') : probe(source, d.lifetimeSeconds)
  }

  const [relay, api] = await Promise.all([relayPart().then((c) => blame(c, relayField)), apiPart()])
  return { relay, api }
}

/**
 * The relay's health check at `relayUrl`. Redirects are not followed: a captive portal's, to its
 * login host, is said as `network_sign_in`, like its 511 and its login page (a 200 in HTML; the
 * relay answers JSON). Any other answer that is not the relay's JSON 200 (a 404, a website's
 * page, a redirect on the relay's host) is `link_refused`, the address; a 5xx `unhealthy`.
 */
export async function relayHealth(relayUrl: string, timeoutMs = 5000): Promise<ConnectionCheck> {
  let res: Response
  try {
    res = await netFetch(relayHttpUrl(relayUrl, '/healthz'), {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    })
    await res.body?.cancel()
  } catch (err) {
    const fault = proxyFault(err)
    if (fault?.code === 'proxy_refused')
      return { ok: false, ...errorBody('proxy_refused', fault.params) }
    if (fault?.code === 'proxy_invalid')
      return { ok: false, ...errorBody('proxy_invalid', fault.params) }
    return { ok: false, ...errorBody(untrustedCertificate(err) ? 'tls_untrusted' : 'unreachable') }
  }
  const status = res.status
  if (status === 200 && /^application\/json\b/i.test(res.headers.get('content-type') ?? ''))
    return passed
  if (signInAnswer(res, relayUrl)) return { ok: false, ...errorBody('network_sign_in', { status }) }
  if (status >= 500) return { ok: false, ...errorBody('unhealthy', { status }) }
  return { ok: false, ...errorBody('link_refused', { status }) }
}

/**
 * Whether the relay at `relayUrl` takes a link with `token`: its `/kiosk` upgrade, closed as
 * soon as it opens. Failures as the link words them (relay-link.ts).
 */
function relayAccepts(relayUrl: string, token: string, timeoutMs = 5000): Promise<ConnectionCheck> {
  return new Promise((resolve) => {
    const opening = openRelaySocket(relayUrl, token, { handshakeTimeout: timeoutMs })
    if (opening.ws === undefined) return resolve({ ok: false, ...opening.refused })
    const ws = opening.ws
    ws.on('open', () => {
      ws.close(1000, 'connection test')
      resolve(passed)
    })
    ws.on('error', (err) => {
      resolve({
        ok: false,
        ...(opening.failure(err) ??
          (/timed out/i.test(err.message) ? errorBody('timeout') : errorBody('unreachable'))),
      })
    })
  })
}

/** One code from the form's ticket source, not kept (the saved source's pool is not this one's). */
async function probe(source: TicketSource, lifetimeSeconds: number): Promise<ConnectionCheck> {
  try {
    await source.create(1, lifetimeSeconds)
    return passed
  } catch (err) {
    return { ok: false, ...sourceErrorBody(err) }
  }
}

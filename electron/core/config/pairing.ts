/**
 * Pairing with a code from the organizer's console (docs/DESIGN.md, contract v2): the relay
 * exchanges a one-time code for this kiosk's id and token (`POST /api/pair`), and the kiosk
 * stores them exactly as a typed token (setup.ts). From the admin area (`pairWithRelay`) or
 * headless at start (`pairAtStart`, for `--relay URL --pairing-code CODE`).
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Logger } from '../../../shared/server/log'
import type { AddressFetch } from '../../../shared/wechat/http'
import {
  normalizePairingCode,
  PAIRING_ALPHABET,
  PAIRING_CODE_LENGTH,
  pairingCodeSchema,
  pairResponseSchema,
  type PairResponse,
} from '../../../shared/console-api'
import type { KioskErrorCode } from '../../../shared/errors'
import type { PairInput, SetupInput } from '../../../shared/ipc'
import {
  hasUserInfo,
  INSECURE_HTTP_MESSAGE,
  isInsecureRemoteUrl,
  USER_INFO_MESSAGE,
} from '../../../shared/url-rule'
import { KioskError } from '../api/kiosk-error'
import { signInAnswer, untrustedCertificate } from '../scans/relay-socket'
import { relayHttpUrl } from './relay-url'
import { defaultSettings, loadSettings, type Settings } from './settings'
import { applySetup, planSetup, type SetupDeps } from './setup'
import type { SecretVault } from './vault'
import { causes, errorCode } from '../../../shared/error-code'
import { netFetch, proxyFault } from '../net/proxy'

/** As long as a ticket request through the relay may take (ticket-source-proxy.ts). */
export const PAIR_TIMEOUT_MS = 10_000
/** `{"kioskId","token"}` is under 200 bytes; a relay sending more is not answering this. */
const MAX_ANSWER_BYTES = 16 * 1024
/** What the relay's bearer check accepts (relay/kiosk-tokens.ts), within setup's 16–256. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{16,256}$/
/** Longest Retry-After passed on to the screen: a day. */
const MAX_RETRY_AFTER_S = 86_400

export interface PairRequestOptions {
  relayUrl: string
  /** As typed or pasted (grouped, lower case, a `<relay>/pair/<code>` link). */
  code: string
  timeoutMs?: number
  fetch?: AddressFetch
}

const CODE_RULE = `a pairing code is ${PAIRING_CODE_LENGTH} characters of ${PAIRING_ALPHABET}`

/**
 * `POST <relay>/api/pair {"code"}` → `{"kioskId","token"}`. Changes nothing here; every
 * failure is a KioskError whose message is a sentence for the log and the headless CLI.
 */
export async function requestPairing(o: PairRequestOptions): Promise<PairResponse> {
  const code = normalizePairingCode(o.code)
  if (!pairingCodeSchema.safeParse(code).success)
    throw new KioskError('bad_input', `not a pairing code: ${CODE_RULE}`, { field: 'code' })
  checkRelayUrl(o.relayUrl)
  const timeoutMs = o.timeoutMs ?? PAIR_TIMEOUT_MS
  const signal = AbortSignal.timeout(timeoutMs)
  const url = relayHttpUrl(o.relayUrl, '/api/pair')
  let res: Response
  let text: string
  try {
    res = await (o.fetch ?? netFetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ code }),
      // The token must come from the relay the admin named, not from wherever it points to.
      redirect: 'manual',
      signal,
    })
    text = await readCapped(res, MAX_ANSWER_BYTES)
  } catch (err) {
    if (err instanceof KioskError) throw err
    if (signal.aborted)
      throw new KioskError(
        'relay_timeout',
        `the relay did not answer within ${Math.round(timeoutMs / 1000)} s; if it used the code meanwhile, ask the organizer for a new one`,
      )
    const fault = proxyFault(err)
    if (fault?.code === 'proxy_refused') {
      const refusedBy = fault.params.status
      throw new KioskError(
        'relay_proxy_refused',
        `the network's proxy refused to pass the request on to ${o.relayUrl} (HTTP ${refusedBy}${refusedBy === 407 ? ': it wants a user name and password in HTTPS_PROXY' : ''}); the code was not sent`,
        fault.params,
      )
    }
    if (fault?.code === 'proxy_invalid')
      throw new KioskError(
        'relay_proxy_invalid',
        `${fault.message}; the code was not sent`,
        fault.params,
      )
    // A portal or a TLS-inspecting proxy answering the relay's https: the address may be right.
    if (untrustedCertificate(err))
      throw new KioskError(
        'relay_tls_untrusted',
        `the certificate shown for the relay at ${o.relayUrl} is not trusted (${describeCause(err)}): a Wi-Fi sign-in, a network inspecting TLS, this computer's clock or an expired certificate; the code was not sent`,
      )
    throw new KioskError(
      'relay_unreachable',
      `cannot reach the relay at ${o.relayUrl} (${describeCause(err)}): check the address and the network`,
    )
  }
  // The venue Wi-Fi's sign-in page answered in the relay's place: the code never reached it.
  if (signInAnswer(res, o.relayUrl))
    throw new KioskError(
      'wifi_sign_in',
      `the network answered HTTP ${res.status} in place of the relay at ${o.relayUrl} (a Wi-Fi sign-in page): sign in to the Wi-Fi in a browser, then pair again; the code was not used`,
    )
  // A 404 or 410 is about the code only in the relay's words (`{"error":{"code":…}}`): another
  // server at the address (a website, a wrong port) answers 404 too, and a new code would not help.
  const expected = CODE_ERRORS.get(res.status)
  if (expected !== undefined && apiErrorCode(text) !== expected) throw notAPairingAnswer(res.status)
  if (res.status === 404 && !(await pairingEndpointIsThere(url, o.fetch ?? netFetch, signal)))
    throw notAPairingAnswer(res.status)
  switch (res.status) {
    case 200:
      return parseAnswer(text)
    case 404:
      throw new KioskError(
        'pairing_code_invalid',
        'the relay does not know this pairing code: it expired (codes last 15 minutes), or a newer code was made for this booth since (only the latest works): ask the organizer for the latest code',
      )
    case 410:
      throw new KioskError(
        'pairing_code_used',
        "this pairing code was already used (a code pairs one device, once): if another device is paired to its booth, ask the organizer for this booth's own code; a new code for a paired booth, once used, cuts off the device using it",
      )
    case 429: {
      const seconds = retryAfterSeconds(res.headers.get('retry-after'))
      throw new KioskError(
        'pairing_rate_limited',
        `the relay refuses more pairing attempts from this address for now${seconds === undefined ? '' : `; try again in ${seconds} s`}`,
        seconds === undefined ? {} : { seconds },
      )
    }
    // A reverse proxy answering for the relay (deploy/): the address is right, the relay behind
    // it is down or restarting (502, 503), or slower than the proxy waits (504, after which the
    // code may have been used). "Not a ScanDesk relay, check the address" would be wrong.
    case 502:
    case 503:
      throw new KioskError(
        'relay_unreachable',
        `the relay at ${o.relayUrl} answered HTTP ${res.status}: it is down or restarting behind its proxy; try again shortly`,
      )
    case 504:
      throw new KioskError(
        'relay_timeout',
        `the relay at ${o.relayUrl} answered HTTP 504: its proxy gave up waiting; if it used the code meanwhile, ask the organizer for a new one`,
      )
    default:
      throw notAPairingAnswer(res.status)
  }
}

/**
 * Whether a 404 `not_found` came from the pairing endpoint. The relay answers every path it
 * does not serve with that same error (the console's pairing link pasted as the address,
 * `https://relay/wechat`), and "ask for a new code" would send staff round in circles. The
 * endpoint answers a GET with 405; a path the relay does not serve answers it 404 `not_found`
 * again. Any other answer, or none, leaves the 404 read as being about the code.
 */
async function pairingEndpointIsThere(
  url: string,
  fetchFn: AddressFetch,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const probe = await fetchFn(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal,
    })
    const text = await readCapped(probe, MAX_ANSWER_BYTES)
    return !(probe.status === 404 && apiErrorCode(text) === 'not_found')
  } catch {
    return true
  }
}

/** The relay's error code for each answer about the code itself (relay/pairing.ts). */
const CODE_ERRORS = new Map([
  [404, 'not_found'],
  [410, 'gone'],
])

function notAPairingAnswer(status: number): KioskError {
  return new KioskError(
    'relay_bad_answer',
    `the relay answered HTTP ${status}, not a pairing answer: is it a ScanDesk relay with pairing?`,
  )
}

/** The `error.code` of a relay API error body (`{"error":{"code","message"}}`), if it is one. */
function apiErrorCode(text: string): string | null {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = apiErrorSchema.safeParse(json)
  return parsed.success ? parsed.data.error.code : null
}
const apiErrorSchema = z.object({ error: z.object({ code: z.string() }) })

function parseAnswer(text: string): PairResponse {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = null
  }
  const parsed = pairResponseSchema.safeParse(json)
  // Never the body in the message: it may hold a token.
  if (!parsed.success || !TOKEN_PATTERN.test(parsed.data.token))
    throw new KioskError(
      'relay_bad_answer',
      'the relay answered 200 without a usable kioskId and token',
    )
  return parsed.data
}

/** The body as text, refusing more than `max` bytes (a hostile relay could send gigabytes). */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return ''
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => undefined)
      throw new KioskError('relay_bad_answer', `the relay's answer is over ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Delay-seconds only (what the relay sends); anything else is left out rather than guessed. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || !/^\s*\d{1,9}\s*$/.test(header)) return undefined
  return Math.min(Number(header), MAX_RETRY_AFTER_S)
}

/** The innermost error's code or message: fetch's own is only "fetch failed". */
function describeCause(err: unknown): string {
  const cause = [...causes(err)].at(-1)
  return cause === undefined ? 'network error' : (errorCode(cause) ?? cause.message)
}

/** The setup's own rules (shared/url-rule.ts), for the headless path that has no schema. */
function checkRelayUrl(relayUrl: string): void {
  let u: URL
  try {
    u = new URL(relayUrl)
  } catch {
    // Not repeated: an address that does not parse may still hold a password (user:pw@host).
    throw new KioskError(
      'bad_input',
      'the relay address is not an address: write it as https://relay.example.com',
      {
        field: 'relayUrl',
      },
    )
  }
  // Before any message that repeats the address: this one would repeat its password.
  if (hasUserInfo(relayUrl))
    throw new KioskError('bad_input', USER_INFO_MESSAGE, { field: 'relayUrl' })
  if (!/^(https?|wss?):$/.test(u.protocol))
    throw new KioskError('bad_input', `${relayUrl}: use https://`, { field: 'relayUrl' })
  if (isInsecureRemoteUrl(relayUrl))
    throw new KioskError('bad_input', `${relayUrl}: ${INSECURE_HTTP_MESSAGE}`, {
      field: 'relayUrl',
    })
}

/** The v1 setup for what pairing gives (or a stand-in, to check the rest before pairing). */
function setupInputFor(input: Omit<PairInput, 'code'>, paired: PairResponse): SetupInput {
  return { ...input, kioskId: paired.kioskId, relayToken: paired.token }
}
/** Checks everything but the relay's answer: passes planSetup's token and id rules. */
const STAND_IN: PairResponse = { kioskId: 'pairing', token: 'stand-in-for-the-relay-token' }

type FieldError = { field: string; code: string }

/**
 * What a setup with the relay's answer would refuse (the AppSecret for direct codes, say), and
 * whether the vault can keep a token now: a one-time code is never spent on a token that
 * could not be kept.
 */
function checkBeforePairing(
  settings: Settings,
  vault: SecretVault,
  input: Omit<PairInput, 'code'>,
): { field: string; code: string; message: string }[] {
  const plan = planSetup(settings, vault, setupInputFor(input, STAND_IN))
  if (!plan.ok) return plan.errors
  vault.checkWritable?.()
  return []
}

const pairing = new WeakSet<SetupDeps>()

/** The admin area's "Pair with a code": on success the kiosk is set up as with a typed token. */
export async function pairWithRelay(
  core: SetupDeps,
  input: PairInput,
  o: Omit<PairRequestOptions, 'relayUrl' | 'code'> = {},
): Promise<{ ok: true; kioskId: string } | { ok: false; errors: FieldError[] }> {
  if (pairing.has(core)) throw new KioskError('unavailable', 'a pairing is already in progress')
  pairing.add(core)
  try {
    const { code, ...setup } = input
    const problems = checkBeforePairing(core.settings.get(), core.vault, setup)
    if (problems.length > 0)
      return { ok: false, errors: problems.map(({ field, code: c }) => ({ field, code: c })) }
    const paired = await requestPairing({ ...o, relayUrl: setup.relayUrl, code })
    const result = await applySetup(core, setupInputFor(setup, paired), pairingCodeHash(code))
    if (!result.ok) return result
    core.log?.info(`paired with ${setup.relayUrl} as ${paired.kioskId}`)
    return { ok: true, kioskId: paired.kioskId }
  } finally {
    pairing.delete(core)
  }
}

/** Same relay, however written (ws:// or https://, a trailing slash, upper-case host). */
export function sameRelay(a: string, b: string): boolean {
  try {
    return relayHttpUrl(a, '') === relayHttpUrl(b, '')
  } catch {
    return false
  }
}

export interface PairAtStartInput extends Omit<PairInput, 'code'> {
  pairingCode: string
}

export type PairAtStartResult =
  /**
   * Paired now: store this as the v1 provisioning would (`kioskId` + the token), and
   * `codeHash` as the settings' `pairedCodeHash`.
   */
  | { paired: true; kioskId: string; relayUrl: string; token: string; codeHash: string }
  /** Paired before with this relay: its id and token stay, the code is not used. */
  | { paired: false; kioskId: string; relayUrl: string }

/** English for the headless CLI and the shell's startup dialog. */
export class PairingStartError extends Error {
  override name = 'PairingStartError'
  constructor(
    message: string,
    readonly code: KioskErrorCode | 'setup',
  ) {
    super(message)
  }
}

/** What a kiosk keeps of the code it paired with: enough to know it again, not the code. */
export function pairingCodeHash(code: string): string {
  return createHash('sha256').update(normalizePairingCode(code)).digest('hex')
}

/**
 * Headless pairing before the core starts. A kiosk already paired with this relay keeps its
 * token and makes no request when given the code it paired with (or, paired before the code
 * was kept, any code): the same command line (or SCANDESK_PAIRING_CODE left in a service file)
 * restarts it as often as needed, though the code was used the first time. Another code is a
 * re-pairing (a booth revoked and given a new code in the console): it is redeemed, and a
 * refusal stops the start as a first pairing's does.
 */
export async function pairAtStart(
  dataDir: string,
  vault: SecretVault,
  input: PairAtStartInput,
  o: Omit<PairRequestOptions, 'relayUrl' | 'code'> & { log?: Logger } = {},
): Promise<PairAtStartResult> {
  const { pairingCode, ...setup } = input
  const settings = loadSettings(dataDir) ?? defaultSettings()
  const codeHash = pairingCodeHash(pairingCode)
  try {
    if (
      !settings.demo &&
      settings.kioskId !== null &&
      settings.relayUrl !== null &&
      sameRelay(settings.relayUrl, setup.relayUrl) &&
      vault.get('relayToken') !== null &&
      (settings.pairedCodeHash === null || settings.pairedCodeHash === codeHash)
    ) {
      o.log?.info(
        `already paired with ${settings.relayUrl} as ${settings.kioskId}; pairing code not used`,
      )
      return { paired: false, kioskId: settings.kioskId, relayUrl: settings.relayUrl }
    }
    const problems = checkBeforePairing(settings, vault, setup)
    if (problems.length > 0) {
      const names: Record<string, string> = { appSecret: 'SCANDESK_APP_SECRET', appId: '--appid' }
      throw new PairingStartError(
        `pairing: ${problems.map((p) => `${names[p.field] ?? p.field}: ${p.message}`).join('; ')}`,
        'setup',
      )
    }
    const paired = await requestPairing({ ...o, relayUrl: setup.relayUrl, code: pairingCode })
    o.log?.info(`paired with ${setup.relayUrl} as ${paired.kioskId}`)
    return {
      paired: true,
      kioskId: paired.kioskId,
      relayUrl: setup.relayUrl,
      token: paired.token,
      codeHash,
    }
  } catch (err) {
    if (err instanceof KioskError) {
      const { code } = err as KioskError
      throw new PairingStartError(`pairing with ${setup.relayUrl}: ${err.message}`, code)
    }
    throw err
  }
}

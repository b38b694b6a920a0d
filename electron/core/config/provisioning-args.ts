/**
 * The flags the kiosk starts with, one parser for `kiosk web` / `kiosk export` and the Electron
 * shell: `--data DIR` (else SCANDESK_DATA) and headless provisioning (`--relay URL --kiosk-id ID
 * --ticket-source proxy|direct [--api-base URL --appid ID]`, or `--relay URL --pairing-code CODE`
 * in place of the id and token: see config/pairing.ts). Secrets never come from flags:
 * SCANDESK_KIOSK_TOKEN and SCANDESK_APP_SECRET; the pairing code may come from
 * SCANDESK_PAIRING_CODE.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { repeatedFlag, type ArgToken } from '../../../shared/cli-tokens'
import {
  hasUserInfo,
  INSECURE_HTTP_MESSAGE,
  isInsecureRemoteUrl,
  USER_INFO_MESSAGE,
} from '../../../shared/url-rule'
import type { Provisioning } from '../kiosk-runtime'

export class UsageError extends Error {
  override name = 'UsageError'
}

/**
 * Refuses a valued flag given twice (`parseArgs` with `tokens: true` keeps only the last: `--data
 * ./a --data ./b` would act on b, and `--campaign a --campaign b` export b's sheet), naming the
 * flag, never its values, as the relay's and the sandbox's commands do. A switch said twice stays
 * one.
 */
export function refuseRepeatedFlags(tokens: ReadonlyArray<ArgToken>): void {
  const twice = repeatedFlag(tokens)
  if (twice !== null) throw new UsageError(`--${twice} is given twice; give it once`)
}

/** What each kiosk flag's value is, for the usage error an empty one gets. */
const FLAG_NEEDS: Readonly<Record<string, string>> = {
  data: 'a folder',
  relay: 'the relay URL',
  'kiosk-id': 'a kiosk id',
  'api-base': 'a URL',
  appid: 'an AppID',
  'pairing-code': 'a pairing code',
  campaign: 'a campaign id',
  out: 'a file name',
}

/** Flags whose own check already refuses an empty value as a usage error, in its own words. */
const CHECKED_ELSEWHERE = new Set(['port', 'ticket-source', 'format'])

/**
 * Refuses a flag given an empty value (`--campaign=`, `--api-base "$UNSET"`), naming the flag
 * and what it needs: a mistake on the command line, so a usage error (exit 2) in every kiosk
 * command, never read as "not given" nor passed on (an empty campaign id was exit 1, `no
 * campaign ""`, as if the data were wrong). `only`: the flags to look at (the Electron shell's
 * argv carries Chromium's switches as well).
 */
export function refuseEmptyFlagValues(
  tokens: ReadonlyArray<ArgToken>,
  only?: ReadonlySet<string>,
): void {
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined || t.value !== '') continue
    if (CHECKED_ELSEWHERE.has(t.name) || (only !== undefined && !only.has(t.name))) continue
    throw new UsageError(`--${t.name} needs ${FLAG_NEEDS[t.name] ?? 'a value'}`)
  }
}

export const PROVISIONING_OPTIONS = {
  relay: { type: 'string' },
  'kiosk-id': { type: 'string' },
  'ticket-source': { type: 'string' },
  'api-base': { type: 'string' },
  appid: { type: 'string' },
  'pairing-code': { type: 'string' },
} as const

export interface ProvisioningValues {
  relay?: string
  'kiosk-id'?: string
  'ticket-source'?: string
  'api-base'?: string
  appid?: string
  'pairing-code'?: string
}

/** The pairing code: the flag, or SCANDESK_PAIRING_CODE with --relay and no --kiosk-id. */
function pairingCodeFrom(
  v: ProvisioningValues,
  env: Record<string, string | undefined>,
): string | undefined {
  if (v['pairing-code'] !== undefined) {
    if (v['kiosk-id'] !== undefined)
      throw new UsageError(
        '--pairing-code and --kiosk-id exclude each other: the relay assigns the id',
      )
    return v['pairing-code']
  }
  // An environment variable left in a service file must not override an explicit --kiosk-id.
  if (v.relay === undefined || v['kiosk-id'] !== undefined) return undefined
  return env.SCANDESK_PAIRING_CODE || undefined
}

/** null when no provisioning flag is given; throws UsageError when they are incomplete. */
export function provisioningFromValues(
  v: ProvisioningValues,
  env: Record<string, string | undefined> = {},
): Provisioning | null {
  const given = [v.relay, v['kiosk-id'], v['ticket-source'], v['api-base'], v.appid]
  if ([...given, v['pairing-code']].every((x) => x === undefined)) return null
  const typed = v['ticket-source']
  if (typed !== undefined && typed !== 'proxy' && typed !== 'direct') {
    throw new UsageError(`--ticket-source must be proxy or direct, not "${typed}"`)
  }
  const pairingCode = pairingCodeFrom(v, env)
  // A paired booth gets its codes through the relay unless told otherwise.
  const source = v['ticket-source'] ?? (pairingCode !== undefined ? 'proxy' : undefined)
  const who =
    pairingCode !== undefined ? { pairingCode } : v['kiosk-id'] ? { kioskId: v['kiosk-id'] } : null
  if (!v.relay || who === null || (source !== 'proxy' && source !== 'direct')) {
    throw new UsageError(
      'provisioning needs --relay URL --kiosk-id ID --ticket-source proxy|direct (or --relay URL --pairing-code CODE)',
    )
  }
  for (const [flag, url] of [
    ['--relay', v.relay],
    ['--api-base', v['api-base']],
  ] as const) {
    // Checked first: its message names the flag alone, never the address, which holds them.
    if (url !== undefined && hasUserInfo(url)) throw new UsageError(`${flag}: ${USER_INFO_MESSAGE}`)
    if (url !== undefined && isInsecureRemoteUrl(url))
      throw new UsageError(`${flag} ${url}: ${INSECURE_HTTP_MESSAGE}`)
  }
  return {
    relayUrl: v.relay,
    ...who,
    ticketSource: source,
    ...(v['api-base'] !== undefined ? { apiBase: v['api-base'] } : {}),
    ...(v.appid !== undefined ? { appId: v.appid } : {}),
  }
}

/** `--data ""` (a variable that expanded to nothing): refused, never read as "not given". */
function checkDataFlag(flag: string | null | undefined): void {
  if (flag === '') throw new UsageError('--data needs a folder')
}

/**
 * `--data DIR`, else SCANDESK_DATA, else where this kind of start keeps its data. An empty
 * --data is a UsageError: it must not silently mean another folder (the default, or the
 * variable's).
 */
export function dataDirFrom(
  flag: string | null | undefined,
  fallback: string,
  env: Record<string, string | undefined> = process.env,
): string {
  checkDataFlag(flag)
  return resolve(flag || env.SCANDESK_DATA || fallback)
}

export interface LaunchArgs {
  /** `--data DIR`, resolved; null when not given. */
  dataDir: string | null
  provisioning: Provisioning | null
}

/**
 * The Electron shell's command line: lenient about everything else, since Chromium and
 * Electron switches (`--password-store=…`, `--no-sandbox`) and the app path share the argv.
 */
export function parseLaunchArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): LaunchArgs {
  const options = { data: { type: 'string' }, ...PROVISIONING_OPTIONS } as const
  const { values, tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  refuseEmptyFlagValues(tokens, new Set(Object.keys(options)))
  // Lenient parsing types every value as string | boolean: a flag given without its value.
  const pick = (k: keyof ProvisioningValues | 'data') =>
    typeof values[k] === 'string' ? values[k] : undefined
  const data = pick('data')
  checkDataFlag(data)
  return {
    dataDir: data ? resolve(data) : null,
    provisioning: provisioningFromValues(
      {
        relay: pick('relay'),
        'kiosk-id': pick('kiosk-id'),
        'ticket-source': pick('ticket-source'),
        'api-base': pick('api-base'),
        appid: pick('appid'),
        'pairing-code': pick('pairing-code'),
      },
      env,
    ),
  }
}

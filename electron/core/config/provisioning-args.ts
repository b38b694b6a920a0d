/**
 * Headless provisioning flags, shared by `kiosk web` and the Electron shell (`npm start --
 * --relay URL --kiosk-id ID --ticket-source proxy|direct [--api-base URL --appid ID]`).
 * Secrets never come from flags: SCANDESK_KIOSK_TOKEN and SCANDESK_APP_SECRET.
 */
import { parseArgs } from 'node:util'
import { INSECURE_HTTP_MESSAGE, isInsecureRemoteUrl } from '../../../shared/url-rule'
import type { Provisioning } from '../kiosk-runtime'

export class UsageError extends Error {
  override name = 'UsageError'
}

export const PROVISIONING_OPTIONS = {
  relay: { type: 'string' },
  'kiosk-id': { type: 'string' },
  'ticket-source': { type: 'string' },
  'api-base': { type: 'string' },
  appid: { type: 'string' },
} as const

export interface ProvisioningValues {
  relay?: string
  'kiosk-id'?: string
  'ticket-source'?: string
  'api-base'?: string
  appid?: string
}

/** null when no provisioning flag is given; throws UsageError when they are incomplete. */
export function provisioningFromValues(v: ProvisioningValues): Provisioning | null {
  const given = [v.relay, v['kiosk-id'], v['ticket-source'], v['api-base'], v.appid]
  if (given.every((x) => x === undefined)) return null
  const source = v['ticket-source']
  if (!v.relay || !v['kiosk-id'] || (source !== 'proxy' && source !== 'direct')) {
    throw new UsageError(
      'provisioning needs --relay URL --kiosk-id ID --ticket-source proxy|direct',
    )
  }
  for (const [flag, url] of [
    ['--relay', v.relay],
    ['--api-base', v['api-base']],
  ] as const) {
    if (url !== undefined && isInsecureRemoteUrl(url))
      throw new UsageError(`${flag} ${url}: ${INSECURE_HTTP_MESSAGE}`)
  }
  return {
    relayUrl: v.relay,
    kioskId: v['kiosk-id'],
    ticketSource: source,
    ...(v['api-base'] !== undefined ? { apiBase: v['api-base'] } : {}),
    ...(v.appid !== undefined ? { appId: v.appid } : {}),
  }
}

/** For a command line that carries other arguments too (Electron, Chromium switches). */
export function parseProvisioningArgs(argv: string[]): Provisioning | null {
  const { values } = parseArgs({
    args: argv,
    options: PROVISIONING_OPTIONS,
    strict: false,
    allowPositionals: true,
  })
  const pick = (k: keyof ProvisioningValues) =>
    typeof values[k] === 'string' ? values[k] : undefined
  return provisioningFromValues({
    relay: pick('relay'),
    'kiosk-id': pick('kiosk-id'),
    'ticket-source': pick('ticket-source'),
    'api-base': pick('api-base'),
    appid: pick('appid'),
  })
}

/**
 * Command-line flags of the desktop app: `--data DIR` and headless provisioning
 * (`--relay URL --kiosk-id ID --ticket-source proxy|direct [--api-base URL --appid ID]`,
 * secrets only from the environment). Lenient about everything else: Chromium and Electron
 * switches (`--password-store=…`, `--no-sandbox`) share the same argv.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { INSECURE_HTTP_MESSAGE, isInsecureRemoteUrl } from '../../shared/url-rule'
import type { Provisioning } from './core-adapter'

export interface ShellArgs {
  dataDir: string | null
  provisioning: Provisioning | null
}

export class ShellArgsError extends Error {
  override name = 'ShellArgsError'
}

export function parseShellArgs(argv: readonly string[]): ShellArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      data: { type: 'string' },
      relay: { type: 'string' },
      'kiosk-id': { type: 'string' },
      'ticket-source': { type: 'string' },
      'api-base': { type: 'string' },
      appid: { type: 'string' },
    },
    strict: false,
    allowPositionals: true,
  })
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : undefined
  const relay = text(values.relay)
  const kioskId = text(values['kiosk-id'])
  const source = text(values['ticket-source'])
  const apiBase = text(values['api-base'])
  const appId = text(values.appid)
  const data = text(values.data)

  let provisioning: Provisioning | null = null
  if ([relay, kioskId, source, apiBase, appId].some((v) => v !== undefined)) {
    if (!relay || !kioskId || (source !== 'proxy' && source !== 'direct')) {
      throw new ShellArgsError(
        'provisioning needs --relay URL --kiosk-id ID --ticket-source proxy|direct',
      )
    }
    for (const [flag, url] of [
      ['--relay', relay],
      ['--api-base', apiBase],
    ] as const) {
      if (url !== undefined && isInsecureRemoteUrl(url))
        throw new ShellArgsError(`${flag} ${url}: ${INSECURE_HTTP_MESSAGE}`)
    }
    provisioning = {
      relayUrl: relay,
      kioskId,
      ticketSource: source,
      ...(apiBase !== undefined ? { apiBase } : {}),
      ...(appId !== undefined ? { appId } : {}),
    }
  }
  return { dataDir: data ? resolve(data) : null, provisioning }
}

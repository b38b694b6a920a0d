/**
 * Command-line flags of the desktop app: `--data DIR` and headless provisioning
 * (`--relay URL --kiosk-id ID --ticket-source proxy|direct [--api-base URL --appid ID]`, or
 * `--relay URL --pairing-code CODE`; secrets and SCANDESK_PAIRING_CODE only from the
 * environment), parsed by the core's provisioning-args.ts like `kiosk web`'s. Lenient about
 * everything else: Chromium and Electron switches (`--password-store=…`, `--no-sandbox`)
 * share the same argv.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parseProvisioningArgs, UsageError } from '../core/config/provisioning-args'
import type { Provisioning } from './core-adapter'

export interface ShellArgs {
  dataDir: string | null
  provisioning: Provisioning | null
}

export class ShellArgsError extends Error {
  override name = 'ShellArgsError'
}

export function parseShellArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): ShellArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { data: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  })
  const data = typeof values.data === 'string' ? values.data : undefined
  let provisioning: Provisioning | null
  try {
    provisioning = parseProvisioningArgs([...argv], env)
  } catch (err) {
    if (err instanceof UsageError) throw new ShellArgsError(err.message)
    throw err
  }
  return { dataDir: data ? resolve(data) : null, provisioning }
}

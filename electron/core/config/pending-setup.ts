/**
 * A setup is saved in two files: the secrets to the vault, then the relay's address, kiosk id
 * and account to settings.json. A crash between them (the plug pulled, the app ended) left the
 * new relay token beside the old relay's settings: the booth sent it to the old relay, was
 * refused, and could not connect until paired again with a new one-time code.
 *
 * So a setup first writes `setup-pending.json` (its settings fields and the SHA-256 of each
 * secret the vault is to hold), then the vault's changes in one write, then settings.json, and
 * removes the record last. A start that finds the record (`finishPendingSetup`, under the folder
 * lock, before settings are read) applies its settings if the vault holds those secrets, the
 * setup having got that far, and otherwise drops it: the vault still holds the old ones.
 */
import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { readJsonFile, syncFolder, writeJsonFile } from './json-file'
import {
  defaultSettings,
  loadSettings,
  saveSettings,
  settingsSchema,
  type Settings,
} from './settings'
import type { SecretName, SecretVault } from './vault'

export const PENDING_SETUP_FILE = 'setup-pending.json'

/** What a setup sets (config/setup.ts's planSetup); the PIN, language and the rest stay as saved. */
const setupFieldsSchema = settingsSchema.pick({
  kioskId: true,
  relayUrl: true,
  ticketSource: true,
  apiBase: true,
  appId: true,
  demo: true,
  activeCampaignId: true,
  connectionId: true,
  pairedCodeHash: true,
})
type SetupFields = z.output<typeof setupFieldsSchema>

const secretHashSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .nullable()

const pendingSetupSchema = z
  .object({
    version: z.literal(1),
    settings: setupFieldsSchema,
    /** SHA-256 of each secret the vault holds once the setup is in; null: none. */
    secrets: z.object({ relayToken: secretHashSchema, appSecret: secretHashSchema }).strict(),
    /** The setup leaves demo mode: what the demo recorded goes too if a start applies it. */
    leavesDemo: z.boolean(),
  })
  .strict()

/** The vault's changes of a setup: a value to store, null to delete; absent names stay. */
export type SecretChanges = Partial<Record<SecretName, string | null>>

const SECRET_NAMES = ['relayToken', 'appSecret'] as const

const secretHash = (value: string | null): string | null =>
  value === null ? null : createHash('sha256').update(value, 'utf8').digest('hex')

/** The setup's fields of `s` (the record's schema stays strict: it reads only these). */
function fieldsOf(s: Settings): SetupFields {
  return setupFieldsSchema.strip().parse(s)
}

export interface PendingSetup {
  /** Settings are saved: the record goes. */
  done(): void
  /** The setup was given up and the vault put back as it was: the record goes. */
  drop(): void
}

/**
 * Writes the record of a setup about to be saved, then the vault's changes in one write. A vault
 * that refuses them (no OS encryption) leaves neither behind. The caller saves `next` as
 * settings.json, then calls `done`.
 */
export function beginSetup(
  dataDir: string,
  vault: SecretVault,
  next: Settings,
  changes: SecretChanges,
  leavesDemo: boolean,
): PendingSetup {
  const file = join(dataDir, PENDING_SETUP_FILE)
  const secrets = Object.fromEntries(
    SECRET_NAMES.map((name) => {
      const after = changes[name]
      return [name, secretHash(after === undefined ? vault.get(name) : after)]
    }),
  ) as Record<SecretName, string | null>
  writeJsonFile(file, { version: 1, settings: fieldsOf(next), secrets, leavesDemo })
  const remove = (): void => {
    rmSync(file, { force: true })
    syncFolder(dataDir)
  }
  try {
    if (Object.keys(changes).length > 0) vault.change(changes)
  } catch (err) {
    remove()
    throw err
  }
  return { done: remove, drop: remove }
}

/**
 * At a start, under the folder lock and before settings.json is read: a setup a crash cut short
 * is applied if its secrets reached the vault, else dropped (null: there was none).
 */
export function finishPendingSetup(
  dataDir: string,
  vault: Pick<SecretVault, 'get'>,
): { applied: boolean; leavesDemo: boolean } | null {
  const file = join(dataDir, PENDING_SETUP_FILE)
  const pending = readJsonFile(file, pendingSetupSchema)
  if (pending === null) return null
  const reached = SECRET_NAMES.every(
    (name) => secretHash(vault.get(name)) === pending.secrets[name],
  )
  if (reached) {
    saveSettings(dataDir, { ...(loadSettings(dataDir) ?? defaultSettings()), ...pending.settings })
  }
  rmSync(file, { force: true })
  syncFolder(dataDir)
  return { applied: reached, leavesDemo: reached && pending.leavesDemo }
}

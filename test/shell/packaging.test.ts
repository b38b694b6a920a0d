/**
 * electron-builder.yml as far as security goes: the packaged app's Electron fuses. A kiosk that
 * honours ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect runs any code anyone who can start it
 * (a desktop shortcut, an autostart entry) passes it, in the process that holds the relay token
 * and the AppSecret: those switches are burnt off in the binary the installer ships.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { load } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'

const builderConfig = z.object({
  asar: z.literal(true),
  electronFuses: z
    .object({
      runAsNode: z.boolean(),
      enableNodeOptionsEnvironmentVariable: z.boolean(),
      enableNodeCliInspectArguments: z.boolean(),
      onlyLoadAppFromAsar: z.boolean(),
      grantFileProtocolExtraPrivileges: z.boolean().optional(),
    })
    .strict(),
})

describe('packaged app (electron-builder.yml)', () => {
  const config = builderConfig.parse(load(readFileSync(resolve('electron-builder.yml'), 'utf8')))

  it('burns off running as Node, NODE_OPTIONS and the inspector', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
    })
  })

  it('loads the app only from its asar, and keeps what the file:// page needs', () => {
    expect(config.electronFuses.onlyLoadAppFromAsar).toBe(true)
    // The kiosk page is out/renderer/index.html over file:// (module scripts): not turned off.
    expect(config.electronFuses.grantFileProtocolExtraPrivileges).not.toBe(false)
  })
})

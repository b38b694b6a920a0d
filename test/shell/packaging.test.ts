/**
 * electron-builder.yml as far as security goes: the packaged app's Electron fuses. A kiosk that
 * honours ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect runs any code anyone who can start it
 * (a desktop shortcut, an autostart entry) passes it, in the process that holds the relay token
 * and the AppSecret: those switches are burnt off in the binary the installer ships.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { load } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defaultConsoleDir } from '../../relay/console/static-console'

const builderConfig = z.object({
  asar: z.literal(true),
  files: z.array(z.union([z.string(), z.object({ from: z.string() }).passthrough()])),
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

describe('npm run dist', () => {
  const scripts = z
    .object({ scripts: z.record(z.string(), z.string()) })
    .parse(JSON.parse(readFileSync(resolve('package.json'), 'utf8'))).scripts
  /** A script's commands in order, `npm run <other>` replaced by the other's. */
  const stepsOf = (name: string): string[] =>
    (scripts[name] ?? '')
      .split('&&')
      .map((s) => s.trim())
      .flatMap((s) => (s.startsWith('npm run ') ? stepsOf(s.slice('npm run '.length)) : [s]))
  const steps = stepsOf('dist')
  const files = builderConfig.parse(
    load(readFileSync(resolve('electron-builder.yml'), 'utf8')),
  ).files

  it('builds what build:all builds, then packs, and packs no bundle that runs from a checkout', () => {
    // One build chain: dist spelt its own and went without a step build:all gained.
    expect(steps).toEqual([
      ...stepsOf('build:all'),
      'electron-builder --config electron-builder.yml',
    ])
    expect(steps[0]).toBe('electron-vite build')
    expect(files).toEqual(expect.arrayContaining(['!out/cli/**', '!out/relay/**']))
  })

  it("packs the event console the app's demo relay serves at /console/", () => {
    // The demo prints the console's address only when out/console/index.html is there, so an
    // installer built without it has no console to try.
    const packAt = steps.findIndex((s) => s.startsWith('electron-builder'))
    const consoleAt = steps.indexOf('node scripts/build-console.mjs')
    expect(packAt, scripts['dist']).toBeGreaterThan(0)
    expect(consoleAt, scripts['dist']).toBeGreaterThanOrEqual(0)
    expect(consoleAt).toBeLessThan(packAt)
    expect(files).toContain('out/**')
    expect(
      files.filter((f) => typeof f === 'string' && /^!out\/(console\/|\*\*$|\*\*\/\*$)/.test(f)),
    ).toEqual([])
    // Where the packaged main (out/main/index.js inside app.asar) looks for it.
    const main = resolve('/opt/ScanDesk/resources/app.asar/out/main/index.js')
    expect(defaultConsoleDir(pathToFileURL(main).href)).toBe(
      resolve('/opt/ScanDesk/resources/app.asar/out/console'),
    )
  })
})

// Where the network cards cannot be listed: os.networkInterfaces() throws on some computers
// (uv_interface_addresses "Unknown system error" on Windows, EMFILE once file descriptors run
// out, some sandboxes). Telling a copied data folder by the cards is a guess; it must never stop
// a booth from starting.
import type * as nodeOs from 'node:os'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { machineCards } from '../../electron/core/config/folder-home'
import { MemoryVault } from '../../electron/core/config/vault'
import { cleanup, startCore, tempDir } from './helpers'

vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof nodeOs>()
  return {
    ...os,
    networkInterfaces: () => {
      throw new Error(
        'A system error occurred: uv_interface_addresses returned Unknown system error 2',
      )
    },
  }
})

afterEach(cleanup)

describe('a computer whose network cards cannot be listed', () => {
  it('has no known addresses, which decides nothing', () => {
    expect(machineCards()).toEqual([])
  })

  it('still starts the kiosk', () => {
    const core = startCore(tempDir(), new MemoryVault())
    expect(core.screenState()).toBeDefined()
  })
})

// Two kiosks with one identity (a cloned disk image, or two `kiosk web` on one data folder):
// the relay keeps only the newest link per kiosk id and closes the other with 4409, so the two
// replace each other forever and the booth's scans are split between them. Each kiosk notices
// the ping-pong and says so in its status, and stops saying it once the other one is gone.
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import { kioskMethods } from '../../shared/ipc'
import {
  cleanup,
  fastLink,
  provisionDir,
  startCore,
  startPlatform,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'

afterEach(cleanup)

const link = { conflictWindowMs: 1500 }

describe('another kiosk with this identity', () => {
  it('the 4409 ping-pong shows as identity_conflict on both, and clears once one is off', async () => {
    const p = await startPlatform()
    const token = await p.relay.addKiosk('booth-1')
    const boot = (): ReturnType<typeof startCore> => {
      const dir = tempDir()
      const vault = new MemoryVault()
      provisionDir(dir, vault, { relayUrl: p.relay.url, kioskId: 'booth-1', token })
      return startCore(dir, vault, { relayLink: { ...fastLink, ...link } })
    }
    const first = boot()
    await waitFor(() => first.status().relay.state === 'connected', 'first link')
    expect(first.status().relay.lastError).toBeNull()

    // The same disk image booted on a second machine.
    const clone = boot()
    await waitFor(
      () => clone.status().relay.lastError?.code === 'identity_conflict',
      'the clone notices',
    )
    await waitFor(
      () => first.status().relay.lastError?.code === 'identity_conflict',
      'the first kiosk notices',
    )

    // "Test connection" says it too, even while this kiosk holds the link for a moment.
    await first.call('unlockAdmin', { pin: TEST_PIN })
    const check = kioskMethods.testConnection.output.parse(
      await first.call('testConnection', undefined),
    )
    expect(check.relay).toEqual({ ok: false, code: 'identity_conflict', params: {} })

    await clone.stop()
    await waitFor(
      () => first.status().relay.state === 'connected' && first.status().relay.lastError === null,
      'cleared once the other kiosk is off',
      10_000,
    )
  })
})

/**
 * A kiosk core as its own process, so a test can SIGKILL it: `tsx kiosk-child.ts <dataDir>`
 * with the relay token in SCANDESK_KIOSK_TOKEN. Prints `row <n>` after each attendance commit.
 * With SCANDESK_CHILD_PIN=random the core makes its own admin PIN, as a first start with no
 * SCANDESK_ADMIN_PIN does, and prints `pin offered` (never the PIN) when it made one.
 */
import { createKioskCore } from '../../electron/core/kiosk-core'
import { MemoryVault } from '../../electron/core/config/vault'

const dataDir = process.argv[2]
const token = process.env.SCANDESK_KIOSK_TOKEN
if (dataDir === undefined || token === undefined) {
  console.error('usage: kiosk-child.ts <dataDir> (token in SCANDESK_KIOSK_TOKEN)')
  process.exit(2)
}
const vault = new MemoryVault()
vault.set('relayToken', token)
const core = createKioskCore({
  dataDir,
  vault,
  tickMs: 50,
  ...(process.env.SCANDESK_CHILD_PIN === 'random' ? {} : { initialPin: '2468' }),
  relayLink: { heartbeatMs: 300, welcomeTimeoutMs: 2000, backoffBaseMs: 40, backoffMaxMs: 250 },
})
let rows = 0
core.on('attendance', () => console.log(`row ${++rows}`))
if (core.initialPin !== null) console.log('pin offered')
core.start()
console.log('started')

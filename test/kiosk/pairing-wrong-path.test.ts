// A relay address with a path the relay does not serve (the console's pairing link pasted into
// the address field, a typo after the host): the real relay answers every unknown path with
// 404 `not_found`, the same error code as an unknown pairing code. The kiosk must not read that
// as "the code is unknown or expired, ask for a new one" (a new code fails the same way): it
// says the address is not a relay with pairing, and the code stays unspent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requestPairing } from '../../electron/core/config/pairing'
import { KioskError } from '../../electron/core/api/kiosk-error'
import { issuePairingCode } from '../../relay/pairing-codes'
import type { RelayHandle } from '../../relay/server'
import { startTestRelay } from '../relay/harness'

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    if (err instanceof KioskError) return err.body.code
    throw err
  }
  throw new Error('expected a failure')
}

describe('pairing with a relay address that has a path the relay does not serve', () => {
  let relay: RelayHandle
  let code: string

  beforeAll(async () => {
    relay = await startTestRelay('sqlite', null, { host: '127.0.0.1' })
    await relay.addKiosk('booth-9')
    ;({ code } = await issuePairingCode(relay.store.console, 'booth-9', Date.now()))
  })
  afterAll(() => relay?.close())

  it.each([
    ['the pairing link in the address field', (c: string) => `/pair/${c}`],
    ['a path after the host', () => '/scandesk'],
    ['the push endpoint', () => '/wechat/'],
  ])('%s → relay_bad_answer, not pairing_code_invalid', async (_name, path) => {
    expect(await failure(requestPairing({ relayUrl: `${relay.url}${path(code)}`, code }))).toBe(
      'relay_bad_answer',
    )
  })

  it('at the relay itself an unknown code is still pairing_code_invalid, and the code was not spent', async () => {
    expect(await failure(requestPairing({ relayUrl: relay.url, code: 'KMNPQRTU' }))).toBe(
      'pairing_code_invalid',
    )
    await expect(requestPairing({ relayUrl: `${relay.url}/`, code })).resolves.toMatchObject({
      kioskId: 'booth-9',
    })
  })
})

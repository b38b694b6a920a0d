/** What settings + vault say about how to reach the relay and where tickets come from. */
import type { Settings } from '../config/settings'
import type { SecretVault } from '../config/vault'
import type { TicketSource } from './ticket-source'
import { createDirectTicketSource } from './ticket-source-direct'
import { createProxyTicketSource } from './ticket-source-proxy'

export interface RelayTarget {
  relayUrl: string
  kioskId: string
  token: string
}

export function relayTarget(s: Settings, vault: Pick<SecretVault, 'get'>): RelayTarget | null {
  const token = vault.get('relayToken')
  if (s.kioskId === null || s.relayUrl === null || token === null) return null
  return { relayUrl: s.relayUrl, kioskId: s.kioskId, token }
}

export function makeTicketSource(
  s: Settings,
  vault: Pick<SecretVault, 'get'>,
): TicketSource | null {
  if (s.kioskId === null) return null
  if (s.ticketSource === 'proxy') {
    const relay = relayTarget(s, vault)
    return relay ? createProxyTicketSource(relay) : null
  }
  const appSecret = vault.get('appSecret')
  if (s.appId === null || appSecret === null) return null
  return createDirectTicketSource({
    appId: s.appId,
    appSecret,
    apiBase: s.apiBase,
    kioskId: s.kioskId,
  })
}

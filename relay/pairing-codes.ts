/**
 * One-time pairing codes for kiosks (contract v2): 8 characters from PAIRING_ALPHABET (25
 * letters and digits without look-alikes, 25^8 ≈ 1.5 × 10^11 codes), crypto-random, valid 15
 * minutes, one pending per kiosk; only a SHA-256 of each is stored.
 */
import { createHash, randomInt } from 'node:crypto'
import { PAIRING_ALPHABET, PAIRING_CODE_LENGTH, PAIRING_CODE_TTL_MS } from '../shared/console-api'
import type { ConsoleStore } from './store/console-types'

export function generatePairingCode(): string {
  let code = ''
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) {
    code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]
  }
  return code
}

export function hashPairingCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex')
}

/** A fresh code for `kioskId`; an earlier unused one stops working. */
export async function issuePairingCode(
  store: ConsoleStore,
  kioskId: string,
  now: number,
): Promise<{ code: string; expiresAt: number }> {
  const code = generatePairingCode()
  const expiresAt = now + PAIRING_CODE_TTL_MS
  await store.putPairingCode({
    kioskId,
    codeHash: hashPairingCode(code),
    createdAt: now,
    expiresAt,
  })
  return { code, expiresAt }
}

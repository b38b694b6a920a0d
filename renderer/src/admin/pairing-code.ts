/**
 * The pairing code field: what is typed or pasted becomes the code shown grouped (`ACDE-FGHJ`),
 * and a pasted `<relay>/pair/<code>` link (the console's QR) also names the relay.
 */
import { normalizePairingCode, PAIRING_CODE_LENGTH } from '../../../shared/console-api'

/** `ACDEFGHJ` → `ACDE-FGHJ`; longer input is kept (the check says what is wrong with it). */
export function groupPairingCode(raw: string): string {
  const code = normalizePairingCode(raw)
  const half = PAIRING_CODE_LENGTH / 2
  return code.length > half ? `${code.slice(0, half)}-${code.slice(half)}` : code
}

/** The relay address of a pasted pairing link, or null when it is not one. */
export function relayOfPairingLink(raw: string): string | null {
  const m = /^(https?:\/\/[^\s/?#]+(?:\/[^\s?#]*?)?)\/pair\/[^/?#\s]+\/?(?:[?#]\S*)?$/i.exec(
    raw.trim(),
  )
  return m?.[1] ?? null
}

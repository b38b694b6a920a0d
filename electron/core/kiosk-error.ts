import type { KioskErrorCode } from '../../shared/ipc'

/** A call failure the bridge passes on as `{ code, message }`; messages never hold secrets. */
export class KioskError extends Error {
  override name = 'KioskError'
  constructor(
    readonly code: KioskErrorCode,
    message: string,
  ) {
    super(message)
  }
}

import {
  errorBody,
  type ErrorBody,
  type KioskErrorCode,
  type ParamsArg,
} from '../../../shared/errors'

/**
 * A call failure the bridge passes on as `{ code, params }` (shared/errors.ts); the renderer
 * words it. `detail` (the Error's message) never crosses the bridge: it is for the log, the
 * headless CLI and, for a failure that stops the kiosk from starting, the shell's start-up box
 * (electron/main/startup-box.ts), where nothing can word the code. A failure that can reach
 * that box says what to do, zh-CN first then English (the keyring's, the vault's).
 */
export class KioskError<C extends KioskErrorCode = KioskErrorCode> extends Error {
  override name = 'KioskError'
  readonly body: ErrorBody
  constructor(
    readonly code: C,
    detail: string,
    ...params: ParamsArg<C>
  ) {
    super(detail)
    this.body = errorBody(code, ...params)
  }
}

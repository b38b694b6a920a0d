import {
  errorBody,
  type ErrorBody,
  type KioskErrorCode,
  type ParamsArg,
} from '../../../shared/errors'

/**
 * A call failure the bridge passes on as `{ code, params }` (shared/errors.ts); the renderer
 * words it. `detail` (the Error's message) is English for the log only and never leaves the
 * core, so it must not be written for the screen.
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

// The relay logs structured JSON lines (jsonLogger), through the one logger interface every
// process shares (shared/server/log.ts). The library logs nowhere by default; the CLI passes a
// stream. Callers keep secrets out of `fields`, and openids to `debug` only.
export {
  errorMessage,
  jsonLogger,
  LogLimiter,
  silentLogger,
  type LogFields,
  type LogLevel,
  type Logger,
} from '../shared/server/log'

/** Ends a store-failure line's `action`: where the on-call developer reads what is wrong. */
export const SEE_HEALTHZ = '/healthz says what is wrong with the store'

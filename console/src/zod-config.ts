/**
 * Imported first by main.ts, before any schema is built: zod probes `new Function` for its fast
 * path when it builds an object schema, and under the relay's CSP (no eval) the caught probe is
 * still a reported violation. Jitless skips the probe; validation is as strict, a little slower.
 */
import { z } from 'zod'

z.config({ jitless: true })

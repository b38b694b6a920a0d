/**
 * A route's query string read against its schema. A repeated parameter is an error, never its
 * first or last value taken quietly; so is a value or a name the schema does not take (make the
 * schema strict for that). Names are kept as own keys of a prototype-free record, so
 * `constructor` or `__proto__` in a query is just another name.
 */
import type { ServerResponse } from 'node:http'
import type { z } from 'zod'
import { sendApiError } from '../shared/server'

export type QueryResult<T> = { ok: true; data: T } | { ok: false; message: string }

export function readQuery<S extends z.ZodType>(url: URL, schema: S): QueryResult<z.infer<S>> {
  const raw: Record<string, string> = Object.create(null) as Record<string, string>
  for (const [name, value] of url.searchParams) {
    if (Object.hasOwn(raw, name)) return { ok: false, message: `${name}: repeated parameter` }
    raw[name] = value
  }
  const parsed = schema.safeParse(raw)
  if (parsed.success) return { ok: true, data: parsed.data }
  const issue = parsed.error.issues[0]
  return {
    ok: false,
    message: `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`,
  }
}

/** The query as `readQuery` reads it, or null once a 400 `bad_request` naming what is wrong is sent. */
export function queryOrRefuse<S extends z.ZodType>(
  res: ServerResponse,
  url: URL,
  schema: S,
): z.infer<S> | null {
  const q = readQuery(url, schema)
  if (q.ok) return q.data
  sendApiError(res, 400, 'bad_request', q.message)
  return null
}

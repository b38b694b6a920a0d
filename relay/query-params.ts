/**
 * A route's query string read against its schema. A repeated parameter is an error, never its
 * first or last value taken quietly; so is a value or a name the schema does not take (make the
 * schema strict for that). Names are kept as own keys of a prototype-free record, so
 * `constructor` or `__proto__` in a query is just another name.
 */
import type { z } from 'zod'

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

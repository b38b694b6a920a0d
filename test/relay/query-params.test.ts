// The relay's query reader: a repeated name is refused whatever the schema; names that are
// Object.prototype's are just names; the schema decides the rest.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { readQuery } from '../../relay/query-params'

const strict = z.object({ format: z.enum(['csv', 'xlsx']).optional() }).strict()
const loose = z.object({ format: z.string().optional() })
const read = (search: string, schema: z.ZodType = strict) =>
  readQuery(new URL(`http://relay.test/x${search}`), schema)

describe('readQuery', () => {
  it('takes each name once and hands the schema the values', () => {
    expect(read('?format=csv')).toEqual({ ok: true, data: { format: 'csv' } })
    expect(read('')).toEqual({ ok: true, data: {} })
  })

  it('refuses a repeated name, naming it, even with the same value', () => {
    expect(read('?format=csv&format=csv')).toEqual({
      ok: false,
      message: 'format: repeated parameter',
    })
  })

  it('reads constructor and __proto__ as names: not taken for repeats, refused by a strict schema', () => {
    expect(read('?constructor=1', loose)).toEqual({ ok: true, data: {} })
    expect(read('?__proto__=1&format=a', loose)).toEqual({ ok: true, data: { format: 'a' } })
    const unknown = read('?__proto__=1')
    expect(unknown.ok).toBe(false)
    expect(unknown.ok ? '' : unknown.message).toContain('__proto__')
  })

  it('names the parameter whose value the schema does not take', () => {
    const bad = read('?format=pdf')
    expect(bad.ok).toBe(false)
    expect(bad.ok ? '' : bad.message).toMatch(/^format: /)
  })
})

// The push-field rule loop (fieldReader) against zod on the same rules, through
// validateFields (the library path replies take): on generated field maps, both accept with the
// same values, or both refuse with the same error for the same field. The push's and the
// envelope's rules, and random rule sets for the loop itself; repeated fields (null), lengths
// at the bounds (UTF-16 units), near-miss patterns and Object.prototype names.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { WechatXmlError } from '../../shared/wechat/errors'
import {
  ENVELOPE_FIELD_RULES,
  PUSH_FIELD_RULES,
  fieldReader,
  validateFields,
  type FieldRule,
} from '../../shared/wechat/push'
import type { XmlFields } from '../../shared/wechat/xml-read'
import { Rand } from '../helpers/random'

const SEEDS = [21, 22, 23]
const CASES_PER_SEED = 3000
type Rules = Record<string, FieldRule>

type FieldsSchema = z.ZodType<Record<string, string | undefined>>
const schemas = new WeakMap<Rules, FieldsSchema>()

/** The zod schema that says what `rules` say (built once per rule set: zod compiles each). */
function schemaOf(rules: Rules): FieldsSchema {
  const known = schemas.get(rules)
  if (known !== undefined) return known
  const shape = Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => {
      let s = z.string()
      if (rule.min !== undefined) s = s.min(rule.min)
      if (rule.max !== undefined) s = s.max(rule.max)
      if (rule.pattern !== undefined) s = s.regex(rule.pattern)
      return [name, rule.optional === true ? s.optional() : s]
    }),
  )
  const schema = z.object(shape)
  schemas.set(rules, schema)
  return schema
}

type Outcome = { ok: Record<string, string> } | { code: string; message: string }

function outcome(read: () => Record<string, string | undefined>): Outcome {
  try {
    const out = read()
    // zod leaves absent optional keys out; so does the loop.
    const kept = Object.entries(out).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const]))
    return { ok: Object.fromEntries(kept) }
  } catch (e) {
    if (e instanceof WechatXmlError) return { code: e.code, message: e.message }
    throw e
  }
}

const ODD_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'Other', 'xml']
const CHARS = ['a', '0', '9', ' ', '\n', '中', '😀', '١', '１', '-', 'x']

/**
 * A value aimed at the rule's edges: lengths around min and max (a cut may split a surrogate
 * pair), digits near the pattern, a stray character somewhere.
 */
function value(r: Rand, rule: FieldRule | undefined): string | null {
  if (r.chance(0.08)) return null // repeated field or one with children
  const bounds = [0, 1, 2, 12, 13, 20, 21, rule?.min, rule?.max].filter(
    (n): n is number => n !== undefined,
  )
  const target = Math.max(0, r.pick(bounds) + r.pick([-1, 0, 0, 1]))
  const unit = r.chance(0.5) ? String(r.int(1e9)) : r.join(1 + r.int(6), () => r.pick(CHARS))
  let s = unit.repeat(Math.ceil(target / Math.max(1, unit.length))).slice(0, target)
  const at = r.int(s.length + 1)
  if (r.chance(0.3)) s = s.slice(0, at) + r.pick(CHARS) + s.slice(at)
  return r.chance(0.1) ? s + r.pick(['\n', 'a', ' ']) : s
}

function fieldsFor(r: Rand, rules: Rules): XmlFields {
  const names = [...Object.keys(rules), ...ODD_NAMES]
  const fields: XmlFields = new Map()
  for (const name of names) {
    if (r.chance(rules[name] === undefined ? 0.1 : 0.8)) fields.set(name, value(r, rules[name]))
  }
  return fields
}

function randomRules(r: Rand): Rules {
  const rules: Rules = {}
  for (const name of ['A', 'B', 'C', 'D'].filter(() => r.chance(0.8))) {
    const rule: FieldRule = {}
    if (r.chance(0.4)) rule.optional = true
    if (r.chance(0.4)) rule.min = r.pick([0, 1, 3])
    if (r.chance(0.5)) rule.max = r.pick([0, 2, 5, 64])
    if (r.chance(0.4)) rule.pattern = r.pick([/^[0-9]{1,12}$/, /^a/, /\d$/, /^[\s\S]*$/])
    rules[name] = rule
  }
  return rules
}

/** The loop's outcome, and how zod's differs from it (null when it does not). */
function compare(rules: Rules, fields: XmlFields): { loop: Outcome; diff: string | null } {
  const loop = outcome(() => fieldReader(rules)(fields))
  const lib = outcome(() => validateFields(fields, schemaOf(rules)))
  if (JSON.stringify(loop) === JSON.stringify(lib)) return { loop, diff: null }
  const shown = { rules: Object.keys(rules), fields: [...fields], loop, lib }
  return { loop, diff: JSON.stringify(shown).slice(0, 400) }
}

describe('push-field rule loop against zod', () => {
  it.each(SEEDS)('agrees on the push and envelope rules and on random rules (seed %i)', (seed) => {
    const r = new Rand(seed)
    const ruleSets: Rules[] = [PUSH_FIELD_RULES, ENVELOPE_FIELD_RULES]
    const randomSets = Array.from({ length: 40 }, () => randomRules(r))
    const disagreements: string[] = []
    const seen = { ok: 0, missing_field: 0, bad_field: 0 }
    for (let i = 0; i < CASES_PER_SEED; i++) {
      const rules = r.chance(2 / 3) ? r.pick(ruleSets) : r.pick(randomSets)
      const fields = fieldsFor(r, rules)
      const { loop, diff } = compare(rules, fields)
      if (diff !== null) disagreements.push(`seed ${seed} case ${i}: ${diff}`)
      if ('ok' in loop) seen.ok++
      else if (loop.code === 'missing_field' || loop.code === 'bad_field') seen[loop.code]++
    }
    expect(disagreements.slice(0, 5)).toEqual([])
    // Every kind of answer came up often enough to mean something.
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(CASES_PER_SEED / 20)
  })

  it('refuses what a push must not carry, in rule order, like zod', () => {
    const push = (over: Record<string, string | null>) =>
      new Map<string, string | null>(
        Object.entries({
          ToUserName: 'gh_1',
          FromUserName: 'o1',
          CreateTime: '1714037059',
          MsgType: 'event',
          ...over,
        }),
      )
    const cases: Array<Record<string, string | null>> = [
      {},
      { CreateTime: '1714037059\n' },
      { CreateTime: '１７１４' },
      { FromUserName: null },
      { ToUserName: '', FromUserName: '' },
      { MsgId: '1'.repeat(21) },
      { ['__proto__']: 'x', constructor: 'y' },
      { EventKey: '😀'.repeat(2048) },
      { EventKey: '😀'.repeat(2049) },
    ]
    for (const over of cases) expect(compare(PUSH_FIELD_RULES, push(over)).diff).toBeNull()
    // Lengths in code points, as zod counts them: 4,096 emoji fit EventKey, 4,097 do not.
    const key = (n: number) =>
      outcome(() => fieldReader(PUSH_FIELD_RULES)(push({ EventKey: '😀'.repeat(n) })))
    expect(key(4096)).toHaveProperty('ok')
    expect(key(4097)).toEqual({ code: 'bad_field', message: 'field EventKey is not valid' })
    const missing = new Map(push({}))
    missing.delete('MsgType')
    expect(outcome(() => fieldReader(PUSH_FIELD_RULES)(missing))).toEqual({
      code: 'missing_field',
      message: 'field MsgType is missing',
    })
  })
})

/**
 * Conditional console writes (RFC 9110): a stored version is answered as a strong entity tag,
 * and an optional `If-Match` names the versions a write may replace. Campaigns, a kiosk's
 * assignment and a campaign's roster use it alike. Conditional reads: the campaigns list,
 * which the console re-reads every few seconds, answers 304 to a matching `If-None-Match`.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendText } from '../http-util'
import { sendConsoleError } from './console-router'

/** A stored version's entity tag: every change bumps the version. */
export const versionEtag = (version: number): string => `"${version}"`

/** An entity tag (RFC 9110 §8.8.3): optionally weak, any visible characters but `"` in quotes. */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/

/**
 * `If-Match` as the versions it allows: undefined when absent or `*` (the campaign exists by
 * then), null when it is not a list of entity tags. A weak tag or one this relay never gave
 * matches nothing (strong comparison, RFC 9110 §13.1.1), so the PUT fails with 412.
 */
export function ifMatchVersions(header: string | undefined): number[] | undefined | null {
  if (header === undefined) return undefined
  const tags = header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
  if (tags.length === 0) return null
  if (tags.length === 1 && tags[0] === '*') return undefined
  if (!tags.every((t) => ENTITY_TAG.test(t))) return null
  // "0" names a kiosk never assigned or a campaign with no roster yet (never a campaign).
  return tags.flatMap((t) => {
    const m = /^"(0|[1-9][0-9]{0,15})"$/.exec(t)
    return m?.[1] === undefined ? [] : [Number(m[1])]
  })
}

/**
 * The request's `If-Match` as `ifMatchVersions` reads it; null once a malformed one has been
 * answered 400, naming what a GET of `what` answers.
 */
export function readIfMatch(
  req: IncomingMessage,
  res: ServerResponse,
  what: 'campaign' | 'kiosk' | 'roster',
): number[] | undefined | null {
  const versions = ifMatchVersions(req.headers['if-match'])
  if (versions === null) {
    sendConsoleError(
      res,
      400,
      'bad_request',
      `If-Match: send the ETag a GET of this ${what} answered, e.g. "12"`,
    )
  }
  return versions
}

/**
 * Whether `If-None-Match` names `etag` (RFC 9110 §13.1.2: weak comparison, so `W/"x"` names
 * `"x"`; `*` names any current answer). Absent, empty or malformed: no match, a plain 200.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const tags = header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
  if (tags.length === 1 && tags[0] === '*') return true
  if (tags.length === 0 || !tags.every((t) => ENTITY_TAG.test(t))) return false
  const opaque = etag.replace(/^W\//, '')
  return tags.some((t) => t.replace(/^W\//, '') === opaque)
}

/**
 * A JSON answer with a strong ETag, a hash of its bytes: a request whose `If-None-Match` names
 * it gets `304 Not Modified`, no body, with the ETag and every header set so far (the router's
 * security headers) and `Cache-Control: no-store` as the 200 has (the console's fetch keeps the
 * last answer and revalidates it itself).
 */
export function sendJsonTagged(req: IncomingMessage, res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body)
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`
  res.setHeader('ETag', etag)
  if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
    if (res.headersSent) return
    res.writeHead(304, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
    res.end()
    return
  }
  sendText(res, 200, text, 'application/json; charset=utf-8')
}

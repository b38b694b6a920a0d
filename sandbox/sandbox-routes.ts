// The sandbox's own endpoints beside WeChat's (docs/DESIGN.md "Sandbox HTTP"): the scan simulator,
// follow/unfollow, the push log, recent codes for the phone page, and the fault switches.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { faultsPatchSchema } from './faults'
import { BodyTooLargeError, parseJson, readBody, sendJson, sendText } from './http-io'
import { renderPhonePage } from './phone-page'
import {
  AlreadyFollowingError,
  NotFollowingError,
  UnknownQrCodeError,
  type ScanSimulator,
} from './scan-simulator'
import type { SandboxState } from './state'
import type { TicketRecord } from './ticket-store'

const MAX_SANDBOX_BODY = 8 * 1024

/** Real openids are 28 characters of [A-Za-z0-9_-]; this also keeps them safe inside XML. */
export const openidSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'openid: 1–64 of [A-Za-z0-9_-]')
const scanBodySchema = z.object({ url: z.string().min(1).max(2048), openid: openidSchema }).strict()
const openidBodySchema = z.object({ openid: openidSchema }).strict()

export interface SandboxDeps {
  state: SandboxState
  simulator: ScanSimulator
}

const notFound = (res: ServerResponse, error = 'not found') => sendJson(res, 404, { error })

/** Answers / and /sandbox/*; returns false for any other path. */
export async function handleSandbox(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: SandboxDeps,
): Promise<boolean> {
  const route = `${req.method ?? ''} ${url.pathname}`
  switch (route) {
    case 'GET /':
      sendPage(res)
      return true
    case 'GET /favicon.ico':
      res.writeHead(204).end()
      return true
    case 'GET /sandbox/pushes':
      sendJson(res, 200, { pushes: deps.simulator.pushes() })
      return true
    case 'GET /sandbox/tickets':
      sendJson(res, 200, { tickets: deps.state.tickets.recent().map(publicTicket) })
      return true
    case 'GET /sandbox/followers':
      sendJson(res, 200, { followers: deps.simulator.followers() })
      return true
    case 'GET /sandbox/faults':
      sendJson(res, 200, { faults: deps.state.faults })
      return true
    case 'POST /sandbox/faults':
      await withBody(req, res, faultsPatchSchema, (patch) => {
        sendJson(res, 200, { faults: deps.state.setFaults(patch) })
      })
      return true
    case 'POST /sandbox/scan':
      await withBody(req, res, scanBodySchema, async (b) => {
        try {
          sendJson(res, 200, await deps.simulator.scan(b.url, b.openid))
        } catch (err) {
          if (!(err instanceof UnknownQrCodeError)) throw err
          notFound(res, err.message)
        }
      })
      return true
    case 'POST /sandbox/follow':
      await withBody(req, res, openidBodySchema, async (b) => {
        try {
          sendJson(res, 200, await deps.simulator.follow(b.openid))
        } catch (err) {
          if (!(err instanceof AlreadyFollowingError)) throw err
          sendJson(res, 409, { error: err.message })
        }
      })
      return true
    case 'POST /sandbox/unsubscribe':
      await withBody(req, res, openidBodySchema, async (b) => {
        try {
          sendJson(res, 200, await deps.simulator.unsubscribe(b.openid))
        } catch (err) {
          if (!(err instanceof NotFollowingError)) throw err
          notFound(res, err.message)
        }
      })
      return true
  }
  if (url.pathname === '/' || url.pathname.startsWith('/sandbox/')) {
    notFound(res)
    return true
  }
  return false
}

function publicTicket(r: TicketRecord) {
  return {
    url: r.url,
    ticket: r.ticket,
    scene: r.scene,
    actionName: r.actionName,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  }
}

/**
 * Reads and validates a JSON body. Requiring application/json means a web page elsewhere
 * cannot trigger scans with a simple cross-origin form post.
 */
async function withBody<T>(
  req: IncomingMessage,
  res: ServerResponse,
  schema: z.ZodType<T>,
  then: (body: T) => void | Promise<void>,
): Promise<void> {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    return sendJson(res, 415, { error: 'send Content-Type: application/json' })
  }
  let raw: Buffer
  try {
    raw = await readBody(req, MAX_SANDBOX_BODY)
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message })
    throw err
  }
  const parsed = schema.safeParse(parseJson(raw))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') ?? ''
    return sendJson(res, 400, {
      error: `${where ? `${where}: ` : ''}${issue?.message ?? 'bad body'}`,
    })
  }
  await then(parsed.data)
}

function sendPage(res: ServerResponse): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
      "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'",
  )
  res.setHeader('X-Content-Type-Options', 'nosniff')
  sendText(res, 200, renderPhonePage(), 'text/html; charset=utf-8')
}

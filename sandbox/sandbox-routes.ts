// The sandbox's own endpoints beside WeChat's (docs/DESIGN.md "Sandbox HTTP"): the scan simulator,
// follow/unfollow, the push log, tags and customer-service messages, recent codes for the phone page, and the fault switches.
import type { ServerResponse } from 'node:http'
import { z } from 'zod'
import { faultsPatchSchema } from './faults'
import {
  answerBodyError,
  BodyError,
  readJson,
  sendJson,
  sendText,
  type RouteRequest,
  type Router,
} from '../shared/server'
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
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 of [A-Za-z0-9_-]')
const scanBodySchema = z.object({ url: z.string().min(1).max(2048), openid: openidSchema }).strict()
const openidBodySchema = z.object({ openid: openidSchema }).strict()

export interface SandboxDeps {
  state: SandboxState
  simulator: ScanSimulator
}

const notFound = (res: ServerResponse, error = 'not found') => sendJson(res, 404, { error })

/** The phone page at / and the sandbox's own endpoints under /sandbox/. */
export function addSandboxRoutes(router: Router, deps: SandboxDeps): Router {
  const { state, simulator } = deps
  return router
    .add('GET', '/', ({ res }) => sendPage(res))
    .add('GET', '/favicon.ico', ({ res }) => void res.writeHead(204).end())
    .add('GET', '/sandbox/pushes', ({ res }) => sendJson(res, 200, { pushes: simulator.pushes() }))
    .add('GET', '/sandbox/tickets', ({ res }) =>
      sendJson(res, 200, { tickets: state.tickets.recent().map(publicTicket) }),
    )
    .add('GET', '/sandbox/followers', ({ res }) =>
      sendJson(res, 200, { followers: simulator.followers() }),
    )
    .add('GET', '/sandbox/tags', ({ res }) =>
      sendJson(res, 200, { tags: state.users.listedTags() }),
    )
    .add('GET', '/sandbox/messages', ({ res }) => sendJson(res, 200, state.users.messages()))
    .add('GET', '/sandbox/faults', ({ res }) => sendJson(res, 200, { faults: state.faults }))
    .add('POST', '/sandbox/faults', (r) =>
      withBody(r, faultsPatchSchema, (patch) => {
        sendJson(r.res, 200, { faults: state.setFaults(patch) })
      }),
    )
    .add('POST', '/sandbox/scan', (r) =>
      withBody(r, scanBodySchema, async (b) => {
        try {
          sendJson(r.res, 200, await simulator.scan(b.url, b.openid))
        } catch (err) {
          if (!(err instanceof UnknownQrCodeError)) throw err
          notFound(r.res, err.message)
        }
      }),
    )
    .add('POST', '/sandbox/follow', (r) =>
      withBody(r, openidBodySchema, async (b) => {
        try {
          sendJson(r.res, 200, await simulator.follow(b.openid))
        } catch (err) {
          if (!(err instanceof AlreadyFollowingError)) throw err
          sendJson(r.res, 409, { error: err.message })
        }
      }),
    )
    .add('POST', '/sandbox/unsubscribe', (r) =>
      withBody(r, openidBodySchema, async (b) => {
        try {
          sendJson(r.res, 200, await simulator.unsubscribe(b.openid))
        } catch (err) {
          if (!(err instanceof NotFollowingError)) throw err
          notFound(r.res, err.message)
        }
      }),
    )
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
  { req, res }: RouteRequest,
  schema: z.ZodType<T>,
  then: (body: T) => void | Promise<void>,
): Promise<void> {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    return sendJson(res, 415, { error: 'send Content-Type: application/json' })
  }
  let raw: unknown
  try {
    raw = await readJson(req, MAX_SANDBOX_BODY)
  } catch (err) {
    if (!(err instanceof BodyError)) throw err
    return answerBodyError(res, err, (status, message) => sendJson(res, status, { error: message }))
  }
  const parsed = schema.safeParse(raw)
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

/**
 * Adapters that drive the peer libraries' own push handling, in process, on the pushes
 * push-cost.ts signs: `node-easywechat`'s OfficialAccount `Server.serve()` and the `wechat`
 * middleware. Neither needs a socket: node-easywechat takes a `ServerRequest` built from the
 * URL and body (its documented way in, and what its own tests do), and `wechat` reads a body
 * already on `req.rawBody` (what it does behind express-xml-bodyparser) and answers through
 * `res.writeHead`/`res.end`. Each adapter resolves with the body the library would send.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'

export interface PeerPush {
  /** Path and query as WeChat requests it: `/wechat?signature=…&timestamp=…&nonce=…`. */
  url: string
  /** The same query, parsed (what express puts on `req.query`). */
  query: Record<string, string>
  body: Buffer
}

export interface PeerConfig {
  token: string
  appId: string
  encodingAESKey: string
  replyText: string
}

/** Handles one push; resolves with the response body, rejects when the peer refused it. */
export type PeerHandler = (p: PeerPush) => Promise<string>

export interface Peer {
  name: string
  /** A handler configured for plain mode (token only) or safe mode (token + AES key). */
  create(cfg: PeerConfig, safe: boolean): PeerHandler
}

// ---- node-easywechat ----------------------------------------------------------------------

async function loadNodeEasywechat(): Promise<Peer> {
  const { OfficialAccount, ServerRequest } = await import('node-easywechat')
  const { default: Server } = await import('node-easywechat/dist/OfficialAccount/Server.js')
  return {
    name: 'node-easywechat',
    create(cfg, safe) {
      const app = new OfficialAccount({
        app_id: cfg.appId,
        secret: 'bench-secret',
        token: cfg.token,
        aes_key: safe ? cfg.encodingAESKey : '',
      })
      const encryptor = safe ? app.getEncryptor() : undefined
      return async (p) => {
        // Its OfficialAccount server never checks the plain `signature` (only safe mode's
        // msg_signature), so the adapter does what an application would have to add.
        if (!safe && !plainSignatureMatches(cfg.token, p.query)) throw new Error('bad signature')
        const request = new ServerRequest('POST', p.url, { 'content-type': 'text/xml' }, p.body)
        // A Server per request: serve() prepends its decrypt step to the server's handler
        // list on every call, so a reused Server would run every earlier push's step too.
        const server = new Server(request, encryptor)
        server.addEventListener('SCAN', () => cfg.replyText)
        const response = await server.serve()
        return response.getBody().toString()
      }
    },
  }
}

/** What an application adds in front of node-easywechat in plain mode (its samples' check). */
function plainSignatureMatches(token: string, q: Record<string, string>): boolean {
  const parts = [token, q.timestamp ?? '', q.nonce ?? ''].sort()
  return createHash('sha1').update(parts.join('')).digest('hex') === q.signature
}

// ---- wechat (node-webot) ------------------------------------------------------------------

interface WechatRequest {
  method: string
  url: string
  query: Record<string, string>
  rawBody: Buffer
}

interface WechatResponse {
  writeHead(status: number): void
  end(body?: string): void
}

interface WechatReplyResponse extends WechatResponse {
  reply(content: string): void
}

type Next = (err?: unknown) => void
type WechatMiddleware = (req: WechatRequest, res: WechatResponse, next: Next) => void
type WechatFactory = (
  config: string | { token: string; appid: string; encodingAESKey: string },
  handle: (req: WechatRequest, res: WechatReplyResponse, next: Next) => void,
) => WechatMiddleware

function isFunction(v: unknown): v is WechatFactory {
  return typeof v === 'function'
}

function loadWechat(): Peer {
  // CommonJS without type declarations: load it by name and check its shape.
  const require = createRequire(import.meta.url)
  const wechat: unknown = require('wechat')
  if (!isFunction(wechat)) throw new Error('wechat: module is not the middleware factory')
  return {
    name: 'wechat',
    create(cfg, safe) {
      const middleware = wechat(
        safe
          ? { token: cfg.token, appid: cfg.appId, encodingAESKey: cfg.encodingAESKey }
          : cfg.token,
        (_req, res) => res.reply(cfg.replyText),
      )
      return (p) =>
        new Promise<string>((resolve, reject) => {
          let status = 200
          const res: WechatResponse = {
            writeHead(s) {
              status = s
            },
            end(body = '') {
              if (status === 200) resolve(body)
              else reject(new Error(`wechat answered ${status}: ${body}`))
            },
          }
          const req: WechatRequest = { method: 'POST', url: p.url, query: p.query, rawBody: p.body }
          middleware(req, res, (err) => reject(err instanceof Error ? err : new Error('next()')))
        })
    },
  }
}

/** The peers that are installed, and why each missing one could not be loaded. */
export async function loadPeers(): Promise<{ peers: Peer[]; missing: Record<string, string> }> {
  const peers: Peer[] = []
  const missing: Record<string, string> = {}
  const loaders: Array<[string, () => Peer | Promise<Peer>]> = [
    ['node-easywechat', loadNodeEasywechat],
    ['wechat', loadWechat],
  ]
  for (const [name, load] of loaders) {
    try {
      peers.push(await load())
    } catch (err) {
      missing[name] = `not measured: ${err instanceof Error ? err.message : String(err)}`
    }
  }
  return { peers, missing }
}

// A minimal stand-in for api.weixin.qq.com over a real socket, answering the documented bodies.
// Tests script its answers; it records every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
}

export interface Answer {
  status?: number
  /** An object is sent as JSON; a string as it is. */
  body: unknown
}

/** Returns an answer, or null to never answer (the request hangs until the server closes). */
export type Handler = (req: Recorded) => Answer | null | Promise<Answer | null>

export class FakeWechat {
  readonly requests: Recorded[] = []
  handler: Handler = () => ({ status: 404, body: 'not found' })
  #server: Server
  #hanging = new Set<ServerResponse>()

  private constructor(server: Server) {
    this.#server = server
  }

  static async start(): Promise<FakeWechat> {
    const server = createServer()
    const fake = new FakeWechat(server)
    server.on('request', (req, res) => void fake.#handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return fake
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo
    return `http://127.0.0.1:${port}`
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://localhost')
    const recorded: Recorded = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    }
    this.requests.push(recorded)
    const answer = await this.handler(recorded)
    if (answer === null) {
      this.#hanging.add(res)
      return
    }
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' })
    res.end(body)
  }
}

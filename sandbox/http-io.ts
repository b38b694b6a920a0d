// What the sandbox needs beside the server kit (shared/server): the caller's address as WeChat
// sees it, and a sleep for the latency fault.
import type { IncomingMessage } from 'node:http'

/** The caller's address as WeChat sees it: the socket's, with IPv4-mapped IPv6 unwrapped. */
export function remoteIp(req: IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? ''
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

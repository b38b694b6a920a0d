// Whether a failed customer-service send may still have sent its text (mayHaveBeenSent), from
// real HTTP failures on loopback: a message that may have gone out is never sent again, one that
// certainly did not is retried.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WechatApiError } from '../../shared/wechat'
import { mayHaveBeenSent } from '../../shared/wechat/follow-up'
import { requestJson } from '../../shared/wechat/http'
import { closedPort } from '../helpers/closed-port'

let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/reset')
        req.socket.destroy() // asked, then the connection is lost
      else if (req.url === '/silent')
        return // asked, never answered
      else if (req.url === '/502') res.writeHead(502).end('bad gateway')
      else if (req.url === '/garbled') res.writeHead(200).end('<html>not json')
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/** The error a send to `url` fails with. */
async function failureOf(url: string): Promise<unknown> {
  try {
    await requestJson({ method: 'POST', url, label: 'send', body: {}, timeoutMs: 300, fetch })
  } catch (err) {
    return err
  }
  throw new Error(`${url} did not fail`)
}

describe('may a failed send have gone out', () => {
  it('yes when asked and not answered, or answered unreadably: never sent again', async () => {
    expect(mayHaveBeenSent(await failureOf(`${base}/silent`))).toBe(true)
    expect(mayHaveBeenSent(await failureOf(`${base}/reset`))).toBe(true)
    expect(mayHaveBeenSent(await failureOf(`${base}/garbled`))).toBe(true)
  })

  it('no when the connection was never made, WeChat refused, or a gateway answered 5xx', async () => {
    expect(mayHaveBeenSent(await failureOf(`http://127.0.0.1:${await closedPort()}/send`))).toBe(
      false,
    )
    expect(mayHaveBeenSent(await failureOf(`${base}/502`))).toBe(false)
    expect(mayHaveBeenSent(new WechatApiError(45015, 'response out of time limit', 'send'))).toBe(
      false,
    )
    expect(mayHaveBeenSent(new Error('a bug, not a WeChat failure'))).toBe(false)
  })
})

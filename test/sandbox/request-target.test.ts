// A request whose target is no URL (Node's parser lets `//[` through) is answered 400, and the
// sandbox, which demo mode runs beside the kiosk, goes on serving.
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { closeAll, getJson, sandbox } from './helpers'

afterEach(closeAll)

function rawRequest(url: string, target: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let got = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (got += d))
    socket.on('end', () => resolve(got))
    socket.on('error', reject)
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`)
  })
}

describe('a request target that is not a URL', () => {
  it('is answered 400 and the sandbox keeps serving', async () => {
    const sb = await sandbox()
    const answer = await rawRequest(sb.url, '//[')
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(answer).toContain('request target is not a URL')
    expect((await getJson(`${sb.url}/sandbox/pushes`)).status).toBe(200)
  })
})

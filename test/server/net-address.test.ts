// Ports and host[:port] as typed, at every entry point that reads them: a flag, a Host header,
// a Redis address. Number() (and z.coerce) read '', ' ', '0x1F90', '1e3' and '+80' as ports, so
// a slip silently meant a random port or another server; each entry point refuses them itself.
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { parseWebArgs } from '../../electron/core/cli/cli-web'
import { UsageError } from '../../electron/core/config/provisioning-args'
import { parseArgs as parseRelayArgs } from '../../relay/cli-args'
import { healthzUrl } from '../../relay/healthcheck'
import { loadRelayConfig } from '../../relay/config'
import { clientAddress } from '../../relay/console/request-origin'
import { parseRedisClusterUrl } from '../../relay/store/redis/cluster-url'
import { parseCli } from '../../sandbox/cli'
import { hostName } from '../../sandbox/host-check'
import { hostPort, portFromText, splitHostPort } from '../../shared/net-address'

const NOT_PORTS = ['', ' ', '0x1F90', '1e3', '+80', '-1', '80 ', ' 80', '8.0', '65536', '123456']

describe('a port as typed', () => {
  it('is 1–5 decimal digits up to 65535, port 0 only where the caller allows it', () => {
    for (const text of NOT_PORTS) expect(portFromText(text), text).toBeNull()
    expect(portFromText('٨٠')).toBeNull()
    expect(portFromText('80')).toBe(80)
    expect(portFromText('080')).toBe(80)
    expect(portFromText('65535')).toBe(65535)
    expect(portFromText('0')).toBe(0)
    expect(portFromText('0', { min: 1 })).toBeNull()
  })

  // `--port -1` (the value as its own argument) got Node's parseArgs "argument is ambiguous…"
  // instead: each program's own words, whichever way the value is given.
  const asTyped = (text: string) => [[`--port=${text}`], ['--port', text]]

  it('kiosk web --port refuses the same slips in its own words', () => {
    for (const text of NOT_PORTS) {
      for (const args of asTyped(text)) {
        expect(() => parseWebArgs(args, {}), args.join(' ')).toThrow(
          new UsageError('--port must be 0–65535'),
        )
      }
    }
    expect(parseWebArgs(['--port', '080'], {}).port).toBe(80)
    expect(parseWebArgs(['--port', '0'], {}).port).toBe(0)
    expect(parseWebArgs(['--port', '65535'], {}).port).toBe(65535)
  })

  it('sandbox --port refuses the same slips in its own words', () => {
    for (const text of NOT_PORTS) {
      for (const args of asTyped(text)) {
        expect(() => parseCli(args), args.join(' ')).toThrow(
          '--port must be a port number (0–65535)',
        )
      }
    }
    expect(parseCli(['--port', '080'])).toMatchObject({ port: 80 })
    expect(parseCli(['--port', '0'])).toMatchObject({ port: 0 })
    expect(parseCli([])).toMatchObject({ port: 8788 })
  })

  it("the relay's port from SCANDESK_RELAY_PORT and --port refuses the same slips, naming where", () => {
    // ' 8080 ' and '8080.0' were read as 8080 from either: only the file's JSON was strict.
    for (const text of NOT_PORTS) {
      const sources: Array<[Parameters<typeof loadRelayConfig>[0], string]> = [
        [{ env: { SCANDESK_RELAY_PORT: text } }, 'SCANDESK_RELAY_PORT'],
        [{ flags: { port: text } }, '--port'],
        // As the relay's command line reads it, `--port -1` too.
        ...asTyped(text).map((args): [Parameters<typeof loadRelayConfig>[0], string] => [
          { flags: parseRelayArgs(args, new Set(['port']), new Set()).flags },
          '--port',
        ]),
      ]
      for (const [opts, source] of sources) {
        expect(() => loadRelayConfig(opts), `${text} from ${source}`).toThrow(
          new RegExp(`^relay config: port must be .*from ${source}\\)$`),
        )
      }
    }
    expect(() => loadRelayConfig({ flags: { port: '8080.0' } })).toThrow(
      'relay config: port must be a whole number from 0 to 65535 (got "8080.0" from --port)',
    )
    expect(() => loadRelayConfig({ env: { SCANDESK_RELAY_PORT: ' 8080 ' } })).toThrow(
      'relay config: port must be a whole number from 0 to 65535, with no spaces around it (got " 8080 " from SCANDESK_RELAY_PORT)',
    )
    // A config file's port is a JSON number; text there was refused already.
    const file = (json: string) => ({ flags: { config: 'relay.json' }, readFile: () => json })
    expect(() => loadRelayConfig(file('{"port":" 8080 "}'))).toThrow(
      'relay config: port must be a whole number from 0 to 65535 (from relay.json)',
    )
    expect(loadRelayConfig(file('{"port":8787,"data":"./relay-data","redis":null}')).port).toBe(
      8787,
    )
    expect(loadRelayConfig({ flags: { port: '0' } }).port).toBe(0)
    expect(loadRelayConfig({ env: { SCANDESK_RELAY_PORT: '080' } }).port).toBe(80)
  })
})

describe('host[:port] with IPv6 in brackets', () => {
  it('splits off the port text and the brackets, or says null', () => {
    expect(splitHostPort('redis:6379')).toEqual({ host: 'redis', ipv6: false, port: '6379' })
    expect(splitHostPort('redis')).toEqual({ host: 'redis', ipv6: false, port: null })
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', ipv6: true, port: '80' })
    expect(splitHostPort('[::1]')).toEqual({ host: '::1', ipv6: true, port: null })
    // A bare IPv6 address cannot be told from host:port: its last group would be the port.
    for (const text of [
      '::1',
      '::1:80',
      'host:',
      '',
      ':80',
      '[::1',
      '::1]:80',
      'a[b]:80',
      '[::1]x',
    ]) {
      expect(splitHostPort(text), text).toBeNull()
    }
    expect(splitHostPort('[]:80')).toBeNull()
  })

  it('joins a host and a port, an IPv6 address in brackets', () => {
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80')
    expect(hostPort('::1', 80)).toBe('[::1]:80')
    expect(healthzUrl({ host: '::1', port: 8787 })).toBe('http://[::1]:8787/healthz')
    expect(healthzUrl({ host: '::', port: 8787 })).toBe('http://127.0.0.1:8787/healthz')
  })

  it("the sandbox's Host check takes a name or [v6], with a port as typed", () => {
    expect(hostName('[::1]:80')).toBe('::1')
    expect(hostName('[::1]')).toBe('::1')
    expect(hostName('LocalHost:8788')).toBe('localhost')
    expect(hostName('127.0.0.1')).toBe('127.0.0.1')
    for (const header of ['', '::1', 'host:', 'host:0x50', 'host:+80', 'host:1e3', '[evil]:80']) {
      expect(hostName(header), header).toBeNull()
    }
    // No browser sends a port past 65535: it was taken as the name before, now it is malformed.
    expect(hostName('localhost:65536')).toBeNull()
  })

  it("the relay's X-Forwarded-For takes ip, ip:port, [v6] or [v6]:port, the port as typed", () => {
    const from = (forwardedFor: string): string =>
      clientAddress(
        {
          headers: { 'x-forwarded-for': forwardedFor },
          socket: { remoteAddress: '10.0.0.5' },
        } as unknown as IncomingMessage,
        1,
      )
    expect(from('::1')).toBe('::1')
    // A bare IPv6 address is whole: '::1:80' is one, not ::1 port 80.
    expect(from('::1:80')).toBe('::1:80')
    expect(from('[::1]:080')).toBe('::1')
    expect(from('203.0.113.9:0')).toBe('203.0.113.9')
    for (const slip of ['203.0.113.9:', '203.0.113.9:0x50', '203.0.113.9:+80', '[::1]x']) {
      expect(from(slip), slip).toBe('10.0.0.5')
    }
    // A port past 65535 is no proxy's: it was taken with the address, now the peer counts.
    expect(from('203.0.113.9:65536')).toBe('10.0.0.5')
  })

  it('the relay takes a Redis host[:port] with a port of 1 to 65535', () => {
    const redis = (value: string): string => {
      try {
        return String(loadRelayConfig({ env: { SCANDESK_RELAY_REDIS: value } }).redis)
      } catch (err) {
        return (err as Error).message.includes('is not a Redis address') ? 'refused' : String(err)
      }
    }
    for (const good of ['redis:6379', 'redis', '[::1]:6379', '[::1]', '6380', '080', 'redis:080']) {
      expect(redis(good), good).toBe(good)
    }
    for (const slip of [
      ' ',
      '::1',
      'redis:',
      'redis:0',
      '0',
      'redis:0x1F90',
      'redis:1e3',
      'redis:+80',
      'redis:65536',
      '65536',
      '-1',
    ]) {
      expect(redis(slip), slip).toBe('refused')
    }
  })
})

describe('a Redis Cluster seed', () => {
  it('takes its port as typed: a slip is refused, not read as another port', () => {
    // z.coerce took 0x1F90 as 8080 and 1e3 as 1000: a typo silently connected elsewhere.
    for (const port of ['0x1F90', '1e3', '+80', ' 80', '80 ', '0b11', '8.0', '', '0', '65536']) {
      const url = `redis-cluster://h1:7000,h2:${port}`
      expect(() => parseRedisClusterUrl(url), url).toThrow(
        'node 2 is not host:port (port 1 to 65535)',
      )
    }
    for (const node of ['::1:7000', '[::1]', 'h2:', '[h2]:7000']) {
      expect(() => parseRedisClusterUrl(`redis-cluster://${node}`), node).toThrow(
        'node 1 is not host:port',
      )
    }
    expect(parseRedisClusterUrl('redis-cluster://h1:080,[::1]:65535').seeds).toEqual([
      { host: 'h1', port: 80 },
      { host: '::1', port: 65535 },
    ])
  })
})

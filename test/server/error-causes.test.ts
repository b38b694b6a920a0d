// One walk down an error's `cause` chain (shared/error-code.ts `causes`), for the kiosk's proxy
// and TLS readers and pairing's wording: bounded, and safe from a chain that loops back.
import { describe, expect, it } from 'vitest'
import { causes } from '../../shared/error-code'
import { untrustedCertificate } from '../../electron/core/scans/relay-socket'
import { proxyRefusal, proxySettingFault, ProxySettingError } from '../../electron/core/net/proxy'

function chain(...messages: string[]): Error[] {
  const errors = messages.map((m) => new Error(m))
  errors.forEach((e, i) => {
    if (i + 1 < errors.length) e.cause = errors[i + 1]
  })
  return errors
}

describe('an error and what caused it', () => {
  it('the error first, then each cause in turn, four at most', () => {
    const errors = chain('a', 'b', 'c', 'd', 'e')
    expect([...causes(errors[0])].map((e) => e.message)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('a chain that loops back ends where it would repeat', () => {
    const [a, b] = chain('a', 'b') as [Error, Error]
    b.cause = a
    expect([...causes(a)].map((e) => e.message)).toEqual(['a', 'b'])
    const self = new Error('self')
    self.cause = self
    expect([...causes(self)]).toEqual([self])
  })

  it('stops at a cause that is not an error; nothing for a value that is not one', () => {
    const e = new Error('top', { cause: { code: 'ECONNREFUSED' } })
    expect([...causes(e)]).toEqual([e])
    expect([...causes('text')]).toEqual([])
    expect([...causes(null)]).toEqual([])
  })

  it('the proxy and TLS readers look as deep as the walk goes', () => {
    const [top, , deep] = chain('fetch failed', 'connect', 'certificate') as [Error, Error, Error]
    Object.assign(deep, { code: 'CERT_HAS_EXPIRED' })
    expect(untrustedCertificate(top)).toBe(true)
    const [wrap, , refused] = chain(
      'outer',
      'middle',
      'Proxy response (403) !== 200 when HTTP Tunneling',
    )
    expect(refused).toBeDefined()
    expect(proxyRefusal(wrap)).toBe(403)
    const setting = new ProxySettingError('HTTPS_PROXY', 'HTTPS_PROXY is not an address')
    const looped = new Error('outer', { cause: new Error('inner', { cause: setting }) })
    expect(proxySettingFault(looped)).toBe(setting)
    const cycle = new Error('cycle')
    cycle.cause = cycle
    expect(proxySettingFault(cycle)).toBeNull()
    expect(proxyRefusal(cycle)).toBeNull()
    expect(untrustedCertificate(cycle)).toBe(false)
  })
})

/**
 * What a failed connect at start tells the operator to change, by Node's error code: a CA the
 * relay was not given is fixed by --redis-tls-ca-file, an expired (or not yet valid) certificate
 * is not: a CA file would send the operator after the wrong setting while the certificate, or
 * this machine's clock, is what is wrong.
 */
import { describe, expect, it } from 'vitest'
import { connectAdvice } from '../../relay/store/redis/connect'

const withCode = (code: string): Error => Object.assign(new Error(code), { code })

describe('connectAdvice', () => {
  it.each(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED'])(
    'names the CA setting for a certificate from an unknown CA (%s)',
    (code) => {
      expect(connectAdvice(withCode(code))).toMatch(/--redis-tls-ca-file/)
    },
  )

  it.each(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])(
    'sends an out-of-date certificate (%s) to its dates and the clock, not to a CA file',
    (code) => {
      const advice = connectAdvice(withCode(code))
      expect(advice).not.toMatch(/--redis-tls-ca-file/)
      expect(advice).toMatch(/expired or is not valid yet.*clock/)
    },
  )

  it('keeps the address advice for anything else', () => {
    expect(connectAdvice(withCode('ECONNREFUSED'))).toMatch(/that Redis is running there/)
    expect(connectAdvice(null)).toMatch(/that Redis is running there/)
  })
})

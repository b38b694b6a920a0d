// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { takeWebSecret } from '../../renderer/src/bridge/web-secret'

function fakeWindow(href: string) {
  const store = new Map<string, string>()
  const location = { href }
  const history = {
    state: null,
    replaceState: vi.fn((_s: unknown, _t: string, url: string) => {
      location.href = new URL(url, location.href).href
    }),
  }
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  }
  return { location, history, storage }
}

describe('web secret', () => {
  it('takes ?key= from the address, removes it from the bar and keeps it for later pages', () => {
    const w = fakeWindow('http://127.0.0.1:5170/?key=s3cret-abc#/')
    expect(takeWebSecret(w.location, w.history, w.storage)).toBe('s3cret-abc')
    expect(w.location.href).toBe('http://127.0.0.1:5170/#/')
    expect(w.location.href).not.toContain('s3cret')

    w.location.href = 'http://127.0.0.1:5170/#/admin'
    expect(takeWebSecret(w.location, w.history, w.storage)).toBe('s3cret-abc')
  })

  it('also finds the key after the hash, keeping other parameters', () => {
    const w = fakeWindow('http://127.0.0.1:5170/#/admin?key=k2&x=1')
    expect(takeWebSecret(w.location, w.history, w.storage)).toBe('k2')
    expect(w.location.href).toBe('http://127.0.0.1:5170/#/admin?x=1')
  })

  it('returns null when no key was ever given', () => {
    const w = fakeWindow('http://127.0.0.1:5170/')
    expect(takeWebSecret(w.location, w.history, w.storage)).toBeNull()
    expect(w.history.replaceState).not.toHaveBeenCalled()
  })
})

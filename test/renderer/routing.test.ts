// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { parseRoute } from '../../renderer/src/composables/use-hash-route'

describe('hash routes', () => {
  it.each([
    ['', { view: 'kiosk' }],
    ['#/', { view: 'kiosk' }],
    ['#/admin', { view: 'admin', page: null }],
    ['#/admin/', { view: 'admin', page: null }],
    ['#/admin/export', { view: 'admin', page: 'export' }],
    ['#/admin/nope', { view: 'admin', page: null }],
    ['#/admin/stats?x=1', { view: 'admin', page: 'stats' }],
    ['#/something', { view: 'kiosk' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route)
  })
})

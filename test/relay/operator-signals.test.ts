/**
 * What an operator watching /metrics on event day is told of: booths connecting and dropping,
 * the pairing and big-screen limits refusing (by the key that refused: one address or /64, or
 * its /48), and a booth's roster transfer not finishing (a store read failing and retried).
 * Each is a counter or gauge with a fixed set of labels, so a flood adds no series.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../relay/log'
import { AddressLimiter, type AddressRefusal } from '../../relay/rate-limit'
import { ROSTER_RETRY_MS, RosterSync } from '../../relay/roster-sync'
import type { RelayHandle } from '../../relay/server'
import { PAIR_BURST } from '../../relay/pairing'
import type { RelayFrame } from '../../shared/relay-protocol'
import { relayGauge, relaySample } from '../helpers/prometheus'
import { KioskClient, startTestRelay } from './harness'

let relay: RelayHandle | null = null
afterEach(async () => {
  vi.useRealTimers()
  await relay?.close()
  relay = null
})

describe('AddressLimiter refusals, by the key that refused', () => {
  it('says "address" for an IPv4 address or a /64 at its limit and "block" for a /48', () => {
    const refusals: AddressRefusal[] = []
    const limiter = new AddressLimiter({ ratePerMinute: 1, burst: 1, concurrency: 10 }, () => 0, {
      maxKeys: 100,
      groupShare: 2,
      onRefused: (by) => refusals.push(by),
    })
    const v4 = { key: '198.51.100.7', group: null }
    expect(limiter.admit(v4).granted).toBe(true)
    expect(limiter.admit(v4).granted).toBe(false)
    expect(refusals).toEqual(['address'])
    // One /48 holds room for two /64s' burst.
    const in48 = (n: number) => ({ key: `2001:db8:1:${n}::/64`, group: '2001:db8:1::/48' })
    expect(limiter.admit(in48(1)).granted).toBe(true)
    // The /64 at its own limit: refused by it (the /48's token is given back).
    expect(limiter.admit(in48(1)).granted).toBe(false)
    expect(limiter.admit(in48(2)).granted).toBe(true)
    // The /48 spent: a fresh /64 in it is refused by the block.
    expect(limiter.admit(in48(3)).granted).toBe(false)
    expect(refusals).toEqual(['address', 'address', 'block'])
  })
})

describe('on /metrics', () => {
  it('counts pairing attempts refused by one address as pair_address', async () => {
    relay = await startTestRelay('sqlite', null)
    const url = relay.url
    const pair = () =>
      fetch(`${url}/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'ABCD-EFGH' }),
      })
    let refused = 0
    for (let i = 0; i < PAIR_BURST + 3; i++) {
      const res = await pair()
      await res.arrayBuffer()
      if (res.status === 429) refused++
    }
    expect(refused).toBe(3)
    expect(await relaySample(url, 'limit_hits_total', { limit: 'pair_address' })).toBe(3)
    expect(await relaySample(url, 'limit_hits_total', { limit: 'pair_block' })).toBe(0)
  })

  it('counts kiosk links going live and ending, beside the kiosks connected now', async () => {
    relay = await startTestRelay('sqlite', null)
    const r = relay
    const token = await r.addKiosk('k1')
    const connects = () => relaySample(r.url, 'kiosk_connects_total')
    const disconnects = () => relaySample(r.url, 'kiosk_disconnects_total')
    // A reconnect storm: the same booth three times over.
    for (let i = 1; i <= 3; i++) {
      const k = await KioskClient.hello(r.url, token, { kioskId: 'k1', lastSeq: 0 })
      expect(await connects()).toBe(i)
      expect(await relayGauge(r.url, 'connected_kiosks')).toBe(1)
      // In no campaign: no roster to send, none pending.
      expect(await relayGauge(r.url, 'roster_transfers_pending')).toBe(0)
      await k.close()
      await expect.poll(disconnects).toBe(i)
    }
    expect(await relayGauge(r.url, 'connected_kiosks')).toBe(0)
    // A socket that never says hello is no booth: neither counted.
    const silent = await KioskClient.connect(r.url, token)
    await silent.close()
    expect(await connects()).toBe(3)
    expect(await disconnects()).toBe(3)
  })
})

describe('a roster transfer the store holds back', () => {
  it('is pending until the kiosk has it all, each failed read counted', async () => {
    vi.useFakeTimers()
    const sent: RelayFrame[] = []
    let failing = 2
    let failures = 0
    const sync = new RosterSync({
      campaigns: {
        readRoster: (_campaignId, offset, limit) => {
          if (failing > 0) {
            failing--
            return Promise.reject(new Error('store away'))
          }
          const entries = Array.from({ length: 3 }, (_, i) => ({
            id: `reg-${i}`,
            name: `来宾 ${i}`,
            company: '',
            phone: '',
            code: `C${i}`,
          }))
          return Promise.resolve({
            version: 7,
            total: 3,
            entries: entries.slice(offset, offset + limit),
          })
        },
        bindings: () => Promise.resolve([]),
      },
      send: (frame) => {
        sent.push(frame)
        return Buffer.byteLength(JSON.stringify(frame))
      },
      open: () => true,
      queuedBytes: () => 0,
      log: silentLogger,
      kioskId: 'k1',
      onFailure: () => failures++,
    })
    expect(sync.pending).toBe(false)
    void sync.start('c1')
    expect(sync.pending).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(failures).toBe(1)
    await vi.advanceTimersByTimeAsync(ROSTER_RETRY_MS)
    expect(failures).toBe(2)
    expect(sync.pending).toBe(true)
    await vi.advanceTimersByTimeAsync(ROSTER_RETRY_MS)
    const frame = sent.find((f) => f.type === 'roster')
    if (frame?.type !== 'roster') throw new Error('no roster frame sent')
    // Sent, not yet acknowledged: still pending.
    expect(sync.pending).toBe(true)
    sync.onAck({
      type: 'roster-ack',
      campaignId: 'c1',
      rosterVersion: 7,
      offset: frame.offset + frame.entries.length,
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(sync.pending).toBe(false)
    expect(failures).toBe(2)
    sync.stop()
  })

  it('is not pending for a campaign with no roster uploaded', async () => {
    const sync = new RosterSync({
      campaigns: {
        readRoster: () => Promise.resolve({ version: 0, total: 0, entries: [] }),
        bindings: () => Promise.resolve([]),
      },
      send: () => 0,
      open: () => true,
      queuedBytes: () => 0,
      log: silentLogger,
      kioskId: 'k1',
    })
    await sync.start('c1')
    expect(sync.pending).toBe(false)
    sync.stop()
  })
})

/**
 * The websocket link to the relay (contract v1): hello with epoch + lastSeq, replay then live
 * scans, a cumulative ack sent only after the scan is committed, reconnect with capped
 * exponential backoff and jitter, and a heartbeat that notices a dead connection (venue Wi-Fi
 * often drops without a FIN).
 */
import WebSocket from 'ws'
import {
  MAX_FRAME_BYTES,
  RelayCloseCode,
  relayFrameSchema,
  type HelloFrame,
  type KioskFrame,
  type ScanFrame,
} from '../../shared/relay-protocol'
import type { KioskStatus } from '../../shared/domain'
import { relayWsUrl } from './relay-url'

export interface RelayCursor {
  epoch: string | null
  lastSeq: number
}

export interface RelayLinkOptions {
  relayUrl: string
  kioskId: string
  token: string
  loadCursor(): RelayCursor
  /** The relay's epoch changed: our lastSeq means nothing there any more. */
  resetCursor(epoch: string): void
  /**
   * Commits the scan and the cursor (epoch, seq) before returning; throwing means "not
   * stored", so no ack is sent and the relay will replay it. `live` is false for replayed events.
   */
  onScan(frame: ScanFrame, live: boolean): void
  onState(): void
  now?: () => number
  random?: () => number
  heartbeatMs?: number
  welcomeTimeoutMs?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  log?: (msg: string) => void
}

type LinkState = KioskStatus['relay']

export class RelayLink {
  private ws: WebSocket | null = null
  private state: LinkState
  private attempt = 0
  private everConnected = false
  private stopped = true
  private retryTimer: NodeJS.Timeout | null = null
  private heartbeat: NodeJS.Timeout | null = null
  private welcomeTimer: NodeJS.Timeout | null = null
  private alive = false
  private welcomed = false
  private headSeq = 0
  private cursor: RelayCursor = { epoch: null, lastSeq: 0 }
  private lagMs: number | null = null
  private lastErrorCode: string | null = null
  private readonly now: () => number

  constructor(private readonly o: RelayLinkOptions) {
    this.now = o.now ?? Date.now
    this.state = { state: 'connecting', since: this.now(), retryAt: null, lastEventAt: null }
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.clearTimers()
    const ws = this.ws
    this.ws = null
    if (!ws || ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve())
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
      else ws.close(1000, 'kiosk stopping')
      setTimeout(() => {
        ws.terminate()
        resolve()
      }, 2000).unref()
    })
  }

  status(): LinkState {
    return { ...this.state }
  }

  diagnostics(): {
    epoch: string | null
    lastAckedSeq: number
    lagMs: number | null
    lastError: string | null
  } {
    return {
      epoch: this.cursor.epoch,
      lastAckedSeq: this.cursor.lastSeq,
      lagMs: this.lagMs,
      lastError: this.lastErrorCode,
    }
  }

  private setState(state: LinkState['state'], retryAt: number | null = null): void {
    if (this.state.state === state && this.state.retryAt === retryAt) return
    this.state = { ...this.state, state, since: this.now(), retryAt }
    this.o.onState()
  }

  private connect(): void {
    this.setState(this.everConnected ? 'reconnecting' : 'connecting')
    this.cursor = this.o.loadCursor()
    this.welcomed = false
    const ws = new WebSocket(relayWsUrl(this.o.relayUrl), {
      headers: { authorization: `Bearer ${this.o.token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.o.welcomeTimeoutMs ?? 10_000,
    })
    this.ws = ws
    ws.on('open', () => {
      this.alive = true
      const hello: HelloFrame = { type: 'hello', kioskId: this.o.kioskId }
      if (this.cursor.epoch !== null) {
        hello.epoch = this.cursor.epoch
        hello.lastSeq = this.cursor.lastSeq
      }
      this.send(ws, hello)
      this.welcomeTimer = setTimeout(() => ws.terminate(), this.o.welcomeTimeoutMs ?? 10_000)
      this.heartbeat = setInterval(() => {
        // No pong (or anything) since the last ping: the connection is dead even if TCP hasn't noticed.
        if (!this.alive) return ws.terminate()
        this.alive = false
        ws.ping()
      }, this.o.heartbeatMs ?? 15_000)
    })
    ws.on('pong', () => (this.alive = true))
    ws.on('ping', () => (this.alive = true))
    ws.on('message', (data, isBinary) => {
      this.alive = true
      if (isBinary) return ws.close(RelayCloseCode.badFrame, 'binary frame')
      this.onFrame(ws, rawText(data))
    })
    ws.on('error', (err) => {
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1]
      this.lastErrorCode =
        status === '401' ? 'unauthorized' : status ? `http_${status}` : 'unreachable'
      this.o.log?.(`relay link error: ${err.message}`)
    })
    ws.on('close', (code) => {
      if (code === RelayCloseCode.forbidden) this.lastErrorCode = 'forbidden'
      else if (code === RelayCloseCode.revoked) this.lastErrorCode = 'revoked'
      if (this.ws === ws) this.ws = null
      this.clearTimers()
      if (!this.stopped) this.scheduleReconnect()
    })
  }

  private onFrame(ws: WebSocket, text: string): void {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return ws.close(RelayCloseCode.badFrame, 'not JSON')
    }
    const parsed = relayFrameSchema.safeParse(json)
    if (!parsed.success) return ws.close(RelayCloseCode.badFrame, 'unexpected frame')
    const frame = parsed.data
    if (frame.type === 'welcome') {
      if (this.welcomed) return ws.close(RelayCloseCode.protocolError, 'second welcome')
      this.welcomed = true
      if (this.welcomeTimer) clearTimeout(this.welcomeTimer)
      if (frame.epoch !== this.cursor.epoch) {
        // A new relay store: its seqs start over, and it replays from its oldest kept event.
        this.o.resetCursor(frame.epoch)
        this.cursor = { epoch: frame.epoch, lastSeq: 0 }
      }
      this.headSeq = frame.headSeq
      // A store that keeps failing must not turn into a fast reconnect loop.
      if (this.lastErrorCode !== 'store_failed') {
        this.attempt = 0
        this.lastErrorCode = null
      }
      this.everConnected = true
      this.setState('connected')
      return
    }
    if (!this.welcomed) return ws.close(RelayCloseCode.protocolError, 'scan before welcome')
    if (frame.seq <= this.cursor.lastSeq) return // already stored (and acked) before
    const live = frame.seq > this.headSeq
    try {
      this.o.onScan(frame, live)
    } catch (err) {
      // Not stored, so not acked: drop the connection and let the relay replay it.
      this.o.log?.(`storing scan ${frame.seq} failed: ${(err as Error).message}`)
      this.lastErrorCode = 'store_failed'
      ws.terminate()
      return
    }
    if (this.lastErrorCode === 'store_failed') {
      this.lastErrorCode = null
      this.attempt = 0
    }
    this.cursor = { epoch: this.cursor.epoch, lastSeq: frame.seq }
    const now = this.now()
    this.lagMs = live ? Math.max(0, now - frame.receivedAt) : this.lagMs
    this.state = { ...this.state, lastEventAt: now }
    this.send(ws, { type: 'ack', seq: frame.seq })
  }

  private send(ws: WebSocket, frame: KioskFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame))
  }

  private scheduleReconnect(): void {
    const cap = this.o.backoffMaxMs ?? 30_000
    const base = Math.min(cap, (this.o.backoffBaseMs ?? 1000) * 2 ** this.attempt)
    // Equal jitter: kiosks that lost the venue Wi-Fi together don't all come back in the same ms.
    const delay = base / 2 + ((this.o.random ?? Math.random)() * base) / 2
    this.attempt = Math.min(this.attempt + 1, 30)
    this.setState(
      this.everConnected ? 'reconnecting' : 'connecting',
      this.now() + Math.round(delay),
    )
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (!this.stopped) this.connect()
    }, delay)
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.welcomeTimer]) if (t) clearTimeout(t)
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.retryTimer = this.welcomeTimer = this.heartbeat = null
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

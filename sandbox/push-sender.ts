// Delivers one push the way WeChat does: signed query (plus msg_signature and the encrypted
// message in compat/safe mode), a 5-second limit per try counted from its sending, three tries
// in all, then give up.
// WeChat tries again when it gives up on a try, 5 s after that try began: a try refused at once
// (server restarting) or answered with an error status is followed by a wait until then, not by
// an immediate retry, so three tries span about 10 s and end by 15 s. Every try carries the
// same XML, so the same CreateTime; timestamp and nonce are fresh per try, so a receiver must
// de-duplicate by content (FromUserName + CreateTime), never by nonce.
import { randomInt } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import type { WechatCipher } from '../shared/wechat/crypto'
import { msgSignature, plainSignature } from '../shared/wechat/signature'
import type { PushMode } from './options'
import { buildCompatXml, buildSafeXml } from './push-xml'

export const PUSH_TRIES = 3
/** Replies beyond this are cut off and treated as garbage. */
const MAX_REPLY_BYTES = 64 * 1024
/** How much of each reply is kept in the record. */
const RECORDED_BODY_CHARS = 4096

export interface PushCredentials {
  token: string
  mode: PushMode
  cipher: WechatCipher
}

export interface SignedPush {
  query: Record<string, string>
  body: string
}

export interface SignParams {
  timestamp: string
  nonce: string
  /** Injectable so tests can reproduce the official vectors. */
  random16?: Buffer
}

export interface PushMessage {
  /** The plaintext push XML. */
  xml: string
  /** The account's original id (ToUserName), which safe mode keeps in the clear. */
  toUserName: string
  /** The visitor (FromUserName), which WeChat also puts in the query string. */
  openid: string
}

/** Builds the query and body of one try. */
export function sealPush(creds: PushCredentials, msg: PushMessage, p: SignParams): SignedPush {
  const query: Record<string, string> = {
    signature: plainSignature(creds.token, p.timestamp, p.nonce),
    timestamp: p.timestamp,
    nonce: p.nonce,
    openid: msg.openid,
  }
  if (creds.mode === 'plain') return { query, body: msg.xml }
  const encrypt = creds.cipher.encrypt(msg.xml, p.random16)
  query.encrypt_type = 'aes'
  query.msg_signature = msgSignature(creds.token, p.timestamp, p.nonce, encrypt)
  const body =
    creds.mode === 'safe' ? buildSafeXml(msg.toUserName, encrypt) : buildCompatXml(msg.xml, encrypt)
  return { query, body }
}

/** WeChat's nonces are decimal strings of about ten digits. */
export function newNonce(): string {
  return String(randomInt(100_000_000, 2_147_483_647))
}

export interface PushAttempt {
  /** null when no HTTP answer came (timeout, refused, reset). */
  status: number | null
  body: string
  ms: number
  error?: string
}

export interface DeliveryOptions {
  url: string
  timeoutMs: number
  /** From the start of one try to the start of the next (WeChat: its 5 s wait). */
  retryIntervalMs: number
  /** Called once per try, so each try is freshly signed. */
  build: () => SignedPush
  signal: AbortSignal
}

export interface Delivery {
  attempts: PushAttempt[]
  /** The try that got a 2xx answer, if any. */
  answered: PushAttempt | null
}

export async function deliverPush(opts: DeliveryOptions): Promise<Delivery> {
  const attempts: PushAttempt[] = []
  let nextTryAt = performance.now()
  for (let i = 0; i < PUSH_TRIES; i++) {
    // Not before WeChat would have given up on the try before (at once after a timeout).
    const wait = nextTryAt - performance.now()
    // Its only failure is the abort, which the check below sees.
    if (wait > 0) await sleep(wait, undefined, { signal: opts.signal }).catch(() => undefined)
    if (opts.signal.aborted) break
    nextTryAt = performance.now() + opts.retryIntervalMs
    const attempt = await attemptOnce(opts, opts.build())
    attempts.push(attempt)
    // A 2xx answer ends delivery, whatever it says; no answer or an error status is retried.
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
      return { attempts, answered: attempt }
    }
  }
  return { attempts, answered: null }
}

function attemptOnce(opts: DeliveryOptions, push: SignedPush): Promise<PushAttempt> {
  const target = new URL(opts.url)
  for (const [k, v] of Object.entries(push.query)) target.searchParams.set(k, v)
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const client = target.protocol === 'https:' ? https : http
  const payload = Buffer.from(push.body, 'utf8')

  return new Promise<PushAttempt>((resolve) => {
    let settled = false
    let sent = false
    let answerTimer: NodeJS.Timeout | undefined
    const finish = (a: PushAttempt) => {
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      clearTimeout(answerTimer)
      opts.signal.removeEventListener('abort', onAbort)
      req.destroy()
      resolve(a)
    }
    const req = client.request(target, {
      method: 'POST',
      // A fresh connection per try, as a dropped connection is how WeChat gives up on one.
      agent: false,
      headers: {
        'Content-Type': 'text/xml',
        'Content-Length': payload.length,
        'User-Agent': 'Mozilla/4.0',
        Accept: '*/*',
      },
    })
    // The answer time runs from the push being sent, as WeChat's 5 s does, not from the try's
    // start: a process busy while the connection is made (a loaded host) must not spend it. The
    // connection has its own limit, the same length; when it runs out, I/O that completed while
    // the process was busy is read first (timers fire before it), so only a connection that
    // really was not made gives up.
    const connectTimer = setTimeout(() => {
      setImmediate(() => {
        if (!sent) {
          finish({
            status: null,
            body: '',
            ms: elapsed(),
            error: `not connected in ${opts.timeoutMs} ms`,
          })
        }
      })
    }, opts.timeoutMs)
    // Once connected, the request (small, written already) goes out at once.
    const onConnected = () => {
      sent = true
      clearTimeout(connectTimer)
      if (settled) return
      answerTimer = setTimeout(() => {
        finish({
          status: null,
          body: '',
          ms: elapsed(),
          error: `no answer in ${opts.timeoutMs} ms`,
        })
      }, opts.timeoutMs)
    }
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', onConnected)
      else onConnected()
    })
    const onAbort = () => finish({ status: null, body: '', ms: elapsed(), error: 'aborted' })
    opts.signal.addEventListener('abort', onAbort)

    req.on('error', (err) => finish({ status: null, body: '', ms: elapsed(), error: err.message }))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_REPLY_BYTES) {
          finish({
            status: res.statusCode ?? null,
            body: Buffer.concat(chunks).toString('utf8').slice(0, RECORDED_BODY_CHARS),
            ms: elapsed(),
            error: `reply over ${MAX_REPLY_BYTES} bytes`,
          })
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        finish({ status: res.statusCode ?? null, body, ms: elapsed() })
      })
      res.on('error', (err) =>
        finish({ status: null, body: '', ms: elapsed(), error: err.message }),
      )
    })
    req.end(payload)
  })
}

/** Trims a reply for the record (the full body is still used to classify it). */
export function forRecord(a: PushAttempt): PushAttempt {
  return a.body.length > RECORDED_BODY_CHARS
    ? { ...a, body: `${a.body.slice(0, RECORDED_BODY_CHARS)}…` }
    : a
}

// What WeChat does when a phone scans a code or a visitor unfollows: decide the event from the
// follower list, push it to the developer's server, and record every try and what the visitor
// saw (docs/WECHAT.md "Scan events"; docs/DESIGN.md "Sandbox HTTP").
import type { AccountUsers } from './account-users'
import type { WechatCipher } from '../shared/wechat/crypto'
import type { ResolvedSandboxOptions } from './options'
import {
  deliverPush,
  forRecord,
  newNonce,
  sealPush,
  type Delivery,
  type PushAttempt,
  type PushCredentials,
} from './push-sender'
import { buildEventXml, type EventFields, type PushEvent } from './push-xml'
import type { TicketStore } from './ticket-store'
import { visitorView, type VisitorView } from './visitor-view'

const SUBSCRIBE_SCENE_PREFIX = 'qrscene_'
/** `GET /sandbox/pushes` lists every push; past this many (a demo left running) the oldest go. */
const KEPT_PUSHES = 10_000

export class UnknownQrCodeError extends Error {
  constructor() {
    super('unknown or expired QR code: WeChat pushes nothing')
  }
}

export class NotFollowingError extends Error {
  constructor() {
    super('that openid does not follow the account')
  }
}

export class AlreadyFollowingError extends Error {
  constructor() {
    super('that openid already follows the account')
  }
}

export interface PushOutcome<E extends PushEvent = PushEvent> {
  event: E
  /** Seconds since the epoch; the same in every try. */
  createTime: number
  attempts: PushAttempt[]
  reply: VisitorView
}

export type ScanResult = PushOutcome<'subscribe' | 'SCAN'>
export type UnsubscribeResult = PushOutcome<'unsubscribe'>
export type FollowResult = PushOutcome<'subscribe'>

export interface PushRecord extends PushOutcome {
  id: number
  openid: string
  /** The scene as pushed (without the qrscene_ prefix); null for a follow or unsubscribe. */
  scene: string | null
  mode: ResolvedSandboxOptions['mode']
}

export class ScanSimulator {
  readonly #opts: ResolvedSandboxOptions
  readonly #tickets: TicketStore
  readonly #cipher: WechatCipher
  readonly #followers = new Set<string>()
  readonly #records: PushRecord[] = []
  readonly #closing = new AbortController()
  #nextId = 1

  /** Told of every scan, follow and unfollow (the tag and message endpoints' followers). */
  readonly #users: AccountUsers | null

  constructor(
    opts: ResolvedSandboxOptions,
    tickets: TicketStore,
    cipher: WechatCipher,
    users: AccountUsers | null = null,
  ) {
    this.#opts = opts
    this.#tickets = tickets
    this.#cipher = cipher
    this.#users = users
  }

  followers(): string[] {
    return [...this.#followers]
  }

  pushes(): PushRecord[] {
    return [...this.#records]
  }

  async scan(url: string, openid: string): Promise<ScanResult> {
    const code = this.#tickets.byUrl(url)
    if (!code) throw new UnknownQrCodeError()
    const scene = String(code.scene)
    // Following happens on the phone whether or not the developer's server answers.
    const follows = this.#followers.has(openid)
    this.#followers.add(openid)
    const event = follows ? 'SCAN' : 'subscribe'
    const eventKey = follows ? scene : SUBSCRIBE_SCENE_PREFIX + scene
    // The scan opens the customer-service window before the push goes out.
    this.#users?.interacted(openid)
    return this.#push(event, openid, scene, { eventKey, ticket: code.ticket })
  }

  /**
   * A follow from the account's profile rather than a QR code: subscribe with an empty
   * EventKey and no Ticket. Throws AlreadyFollowingError for a follower.
   */
  async follow(openid: string): Promise<FollowResult> {
    if (this.#followers.has(openid)) throw new AlreadyFollowingError()
    this.#followers.add(openid)
    this.#users?.interacted(openid)
    return this.#push('subscribe', openid, null, { eventKey: '' })
  }

  async unsubscribe(openid: string): Promise<UnsubscribeResult> {
    if (!this.#followers.delete(openid)) throw new NotFollowingError()
    this.#users?.unfollowed(openid)
    return this.#push('unsubscribe', openid, null, {})
  }

  /** Stops tries in flight; used when the sandbox closes. */
  close(): void {
    this.#closing.abort()
  }

  async #push<E extends PushEvent>(
    event: E,
    openid: string,
    scene: string | null,
    extra: Pick<EventFields, 'eventKey' | 'ticket'>,
  ): Promise<PushOutcome<E>> {
    const createTime = Math.floor(this.#opts.now() / 1000)
    const fields: EventFields = {
      toUserName: this.#opts.originalId,
      fromUserName: openid,
      createTime,
      event,
      ...extra,
    }
    const url = this.#opts.pushUrl
    const delivery: Delivery =
      url === null ? { attempts: [], answered: null } : await this.#deliver(url, fields)
    const reply: VisitorView =
      url === null
        ? { kind: 'none', visitorSees: null, detail: 'no push URL configured' }
        : visitorView(delivery, {
            mode: this.#opts.mode,
            token: this.#opts.token,
            cipher: this.#cipher,
            openid,
            originalId: this.#opts.originalId,
          })
    const outcome: PushOutcome<E> = {
      event,
      createTime,
      attempts: delivery.attempts.map(forRecord),
      reply,
    }
    this.#records.push({ ...outcome, id: this.#nextId++, openid, scene, mode: this.#opts.mode })
    if (this.#records.length > KEPT_PUSHES) this.#records.shift()
    return outcome
  }

  #deliver(url: string, fields: EventFields): Promise<Delivery> {
    const creds: PushCredentials = {
      token: this.#opts.token,
      mode: this.#opts.mode,
      cipher: this.#cipher,
    }
    const msg = {
      xml: buildEventXml(fields),
      toUserName: fields.toUserName,
      openid: fields.fromUserName,
    }
    return deliverPush({
      url,
      timeoutMs: this.#opts.pushTimeoutMs,
      retryIntervalMs: this.#opts.pushRetryIntervalMs,
      signal: this.#closing.signal,
      build: () =>
        sealPush(creds, msg, {
          timestamp: String(Math.floor(this.#opts.now() / 1000)),
          nonce: newNonce(),
        }),
    })
  }
}

// The account's followers as the tag and customer-service endpoints see them: their tags, the
// window each scan or follow opens for customer-service messages, and every message sent.
// Limits from the official pages (docs/WECHAT.md "Tags and follow-up messages").

/** A public account holds at most 100 tags (45056 beyond). */
export const MAX_TAGS = 100
/** A user carries at most 20 tags (45059 beyond). */
export const MAX_TAGS_PER_USER = 20
export const MAX_TAG_NAME_BYTES = 30
export const MAX_OPENIDS_PER_CALL = 50
/** A scan or a follow allows 3 customer-service messages within 1 minute. */
export const WINDOW_MS = 60_000
export const WINDOW_MESSAGES = 3
/** WeChat's reserved tags 0, 1 and 2: ids of the account's own start above. */
const FIRST_TAG_ID = 100
/**
 * The built-in tag every account has (docs/WECHAT.md "Tags and follow-up messages"): tags/get
 * lists it with its count, its name is taken, and it is not one of the 100 the account creates.
 */
export const STARRED_TAG = { id: 2, name: '星标组' } as const
const KEPT_MESSAGES = 10_000

export interface SandboxTag {
  id: number
  name: string
  openids: string[]
}

export interface SentMessage {
  openid: string
  text: string
  at: number
}

export type TagResult = 'ok' | 'name_taken' | 'name_too_long' | 'too_many_tags'
export type TaggingResult =
  'ok' | 'invalid_tag' | 'invalid_openid' | 'other_account' | 'list_size' | 'user_tag_limit'
export type SendResult = 'ok' | 'invalid_openid' | 'out_of_window' | 'out_of_count'

interface Window {
  opensAt: number
  left: number
}

export class AccountUsers {
  readonly #now: () => number
  readonly #followers = new Set<string>()
  /** Openids that followed once and then unfollowed (the account's, unlike a stranger's). */
  readonly #former = new Set<string>()
  /** Openids of another AppID's followers (batchtagging's 49003). */
  readonly #foreign = new Set<string>()
  readonly #tags = new Map<number, { name: string; openids: Set<string> }>([
    [STARRED_TAG.id, { name: STARRED_TAG.name, openids: new Set() }],
  ])
  readonly #userTags = new Map<string, Set<number>>()
  readonly #windows = new Map<string, Window>()
  readonly #messages: SentMessage[] = []
  #nextTagId = FIRST_TAG_ID
  /** Calls made to batchtagging, answered or not (tests count them). */
  taggingCalls = 0

  constructor(now: () => number) {
    this.#now = now
  }

  /** A scan or follow: the openid follows, and a message window opens. */
  interacted(openid: string): void {
    this.#followers.add(openid)
    this.#former.delete(openid)
    this.#foreign.delete(openid)
    this.#windows.set(openid, { opensAt: this.#now(), left: WINDOW_MESSAGES })
  }

  unfollowed(openid: string): void {
    if (this.#followers.delete(openid)) this.#former.add(openid)
    this.#windows.delete(openid)
  }

  /** For tests: the user already carries this many tags of other accounts' campaigns. */
  preTag(openid: string, count: number): void {
    const mine = this.#userTags.get(openid) ?? new Set<number>()
    for (let i = 0; i < count; i++) mine.add(-1 - i)
    this.#userTags.set(openid, mine)
  }

  /**
   * For tests: `openid` is another AppID's (a scan a relay recorded while configured for another
   * account): batchtagging answers 49003 ("openid not of this AppID"), custom/send 40003.
   */
  otherAccount(openid: string): void {
    this.#followers.delete(openid)
    this.#former.delete(openid)
    this.#windows.delete(openid)
    this.#foreign.add(openid)
  }

  /** The tags the account created, in the order it did (built-in ones left out). */
  tags(): SandboxTag[] {
    return this.listedTags().filter((t) => t.id !== STARRED_TAG.id)
  }

  /** Every tag as tags/get lists it: the built-in 星标组 first, then the account's own. */
  listedTags(): SandboxTag[] {
    return [...this.#tags].map(([id, t]) => ({ id, name: t.name, openids: [...t.openids] }))
  }

  messages(): SentMessage[] {
    return [...this.#messages]
  }

  createTag(name: string): { result: TagResult; tag?: { id: number; name: string } } {
    if (Buffer.byteLength(name, 'utf8') > MAX_TAG_NAME_BYTES) return { result: 'name_too_long' }
    for (const t of this.#tags.values()) if (t.name === name) return { result: 'name_taken' }
    // The built-in 星标组 is not one of the 100.
    if (this.#tags.size - 1 >= MAX_TAGS) return { result: 'too_many_tags' }
    const id = this.#nextTagId++
    this.#tags.set(id, { name, openids: new Set() })
    return { result: 'ok', tag: { id, name } }
  }

  /** All or nothing, as WeChat answers one errcode for the whole call. */
  batchTag(tagId: number, openids: readonly string[]): TaggingResult {
    this.taggingCalls++
    if (openids.length === 0 || openids.length > MAX_OPENIDS_PER_CALL) return 'list_size'
    const tag = this.#tags.get(tagId)
    if (tag === undefined) return 'invalid_tag'
    for (const o of openids) {
      if (this.#foreign.has(o)) return 'other_account'
      if (!this.#followers.has(o)) return 'invalid_openid'
    }
    for (const o of openids) {
      const mine = this.#userTags.get(o)
      if (mine !== undefined && !mine.has(tagId) && mine.size >= MAX_TAGS_PER_USER) {
        return 'user_tag_limit'
      }
    }
    for (const o of openids) {
      tag.openids.add(o)
      const mine = this.#userTags.get(o) ?? new Set<number>()
      mine.add(tagId)
      this.#userTags.set(o, mine)
    }
    return 'ok'
  }

  sendText(openid: string, text: string): SendResult {
    // 45015 "response out of time limit or subscription is canceled": an openid of this
    // account's that unfollowed; one it never had is 40003.
    if (this.#former.has(openid)) return 'out_of_window'
    if (!this.#followers.has(openid)) return 'invalid_openid'
    const w = this.#windows.get(openid)
    const now = this.#now()
    if (w === undefined || now - w.opensAt > WINDOW_MS) return 'out_of_window'
    if (w.left <= 0) return 'out_of_count'
    w.left--
    this.#messages.push({ openid, text, at: now })
    if (this.#messages.length > KEPT_MESSAGES) this.#messages.shift()
    return 'ok'
  }
}

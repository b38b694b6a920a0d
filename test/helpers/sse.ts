/**
 * A server-sent event stream read with fetch, for tests: every message's data parsed (and
 * every raw chunk kept), the answer's status, and whether the stream has ended.
 */
export class SseStream<E> {
  readonly events: E[] = []
  raw = ''
  ended = false
  status = 0
  private readonly abort = new AbortController()

  /** How many messages of each name in `aside` came (those are not parsed into `events`). */
  readonly named = new Map<string, number>()

  /**
   * `parse`: a message's data, as JSON, checked into an event (throws if it is none); `aside`:
   * names of messages (`event: <name>`) only counted in `named`, never parsed.
   */
  protected constructor(
    private readonly parse: (data: unknown) => E,
    private readonly aside: readonly string[] = [],
  ) {}

  /** Opens `url`; an answer other than a 200 stream is read whole and ends the stream. */
  protected async connect(url: string, headers: Record<string, string> = {}): Promise<void> {
    const res = await fetch(url, { headers, signal: this.abort.signal })
    this.status = res.status
    if (res.body === null || res.status !== 200) {
      this.raw = await res.text()
      this.ended = true
      return
    }
    void this.pump(res.body)
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of body) {
        const text = decoder.decode(chunk, { stream: true })
        this.raw += text
        buffer += text
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const name = /^event: (.*)$/m.exec(block)?.[1]
          if (name !== undefined && this.aside.includes(name)) {
            this.named.set(name, (this.named.get(name) ?? 0) + 1)
            continue
          }
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n')
          if (data !== '') this.events.push(this.parse(JSON.parse(data)))
        }
      }
    } catch {
      // aborted
    }
    this.ended = true
  }

  close(): void {
    this.abort.abort()
  }
}

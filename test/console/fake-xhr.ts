/**
 * A stand-in for the browser's XMLHttpRequest, as much of it as the console's file uploads use
 * (client.ts `UploadXhr`): a test sees what was sent (method, address, headers, the body),
 * moves the upload's progress, finishes the body, answers, fails the network, or sees an abort.
 */
import type { UploadXhr } from '../../console/src/api/client'

class FakeProgressEvent extends Event implements ProgressEvent {
  readonly lengthComputable = true
  constructor(
    type: string,
    readonly loaded = 0,
    readonly total = 0,
  ) {
    super(type)
  }
}

type Handler = ((event: ProgressEvent) => void) | null

export class FakeXhr implements UploadXhr {
  method = ''
  url = ''
  /** Request headers, names in lower case. */
  readonly headers: Record<string, string> = {}
  body: Blob | null = null
  withCredentials = false
  status = 0
  responseText = ''
  aborted = false
  private responseHeaders = ''
  readonly upload: { onprogress: Handler; onload: Handler } = { onprogress: null, onload: null }
  onload: Handler = null
  onerror: Handler = null
  ontimeout: Handler = null
  onabort: Handler = null

  constructor(private readonly onSend: (xhr: FakeXhr) => void) {}

  open(method: string, url: string): void {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value
  }
  send(body: Blob): void {
    this.body = body
    this.onSend(this)
  }
  abort(): void {
    this.aborted = true
    this.onabort?.(new FakeProgressEvent('abort'))
  }
  getAllResponseHeaders(): string {
    return this.responseHeaders
  }

  /** `loaded` bytes of the body are out. */
  progress(loaded: number): void {
    this.upload.onprogress?.(new FakeProgressEvent('progress', loaded, this.body?.size ?? 0))
  }
  /** The whole body is out: the relay is reading it in. */
  bodySent(): void {
    const size = this.body?.size ?? 0
    this.upload.onload?.(new FakeProgressEvent('load', size, size))
  }
  /** The relay's answer: a JSON body (a string as it is; undefined: none). */
  answer(status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.status = status
    this.responseText =
      body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    this.responseHeaders = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    this.onload?.(new FakeProgressEvent('load'))
  }
  /** The connection failed (no answer at all). */
  fail(): void {
    this.onerror?.(new FakeProgressEvent('error'))
  }
}

/**
 * The `xhr` option of createConsoleApi and the requests made through it, in order; with
 * `reply`, each request is answered that way as soon as it is sent.
 */
export function fakeXhrs(reply?: (xhr: FakeXhr) => void): {
  xhr: () => UploadXhr
  sent: FakeXhr[]
} {
  const sent: FakeXhr[] = []
  const xhr = (): UploadXhr =>
    new FakeXhr((made) => {
      sent.push(made)
      reply?.(made)
    })
  return { xhr, sent }
}

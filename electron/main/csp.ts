/**
 * The Content-Security-Policy the main process adds to every http(s) response of the kiosk
 * session. It repeats renderer/index.html's <meta> policy and adds what a <meta> tag cannot
 * express (frame-ancestors). Frames: only the relay's origin (the big screen), where the meta
 * tag allows any http(s) frame. Browsers enforce every policy they see, so the header can only
 * tighten the meta tag, never loosen it. The packaged page itself comes over file://, which has
 * no headers to add to: there the meta tag is the page's whole policy (it forbids plugins,
 * <base> and forms itself), and a frame other than the relay's screen pages is still refused
 * by its own response's frame-ancestors 'none', which this header gives it.
 */
import type { RendererTarget } from './renderer-target'

export { relayFrameOrigin } from '../../shared/screen-paths'

type Directives = Record<string, string[]>

const BASE: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // Vue transitions and vue-chartjs set inline styles.
  'style-src': ["'self'", "'unsafe-inline'"],
  // The QR code is drawn locally into a data:/blob: image.
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-src': ["'none'"],
  'frame-ancestors': ["'none'"],
}

/**
 * `frameOrigin`: the relay's origin, whose big-screen pages the kiosk screen may frame (the
 * admin area's "big screen"); null: no frames at all.
 */
export function contentSecurityPolicy(
  target: RendererTarget,
  frameOrigin: string | null = null,
): string {
  const directives: Directives = { ...BASE }
  if (frameOrigin !== null) directives['frame-src'] = [frameOrigin]
  if (target.kind === 'dev') {
    // Vite's hot reload talks to the dev server over a websocket on the same host.
    const url = new URL(target.url)
    directives['connect-src'] = ["'self'", `ws://${url.host}`]
  }
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ')
}

export function parsePolicy(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) out.set(name.toLowerCase(), sources)
  }
  return out
}

/** Response headers with our policy set, replacing any policy header in whatever case. */
export function withPolicyHeader(
  headers: Record<string, string[]> | undefined,
  policy: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value
  }
  out['Content-Security-Policy'] = [policy]
  return out
}

/**
 * Which page the kiosk window may show: the built renderer (out/renderer/index.html over
 * file://) or, in development only, electron-vite's dev server on loopback. Everything else
 * (navigations, redirects, IPC from other frames) is measured against this one origin.
 */
import { fileURLToPath, pathToFileURL } from 'node:url'

export type RendererTarget = { kind: 'file'; file: string } | { kind: 'dev'; url: string }

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

export function resolveRendererTarget(options: {
  isPackaged: boolean
  rendererFile: string
  devUrl: string | undefined
}): RendererTarget {
  // electron-vite sets ELECTRON_RENDERER_URL in dev. A packaged app ignores it, so an
  // environment variable can never point the kiosk at someone else's page.
  if (!options.isPackaged && options.devUrl) {
    const url = safeUrl(options.devUrl)
    if (url && url.protocol === 'http:' && LOOPBACK.has(url.hostname)) {
      return { kind: 'dev', url: url.href }
    }
  }
  return { kind: 'file', file: options.rendererFile }
}

export function rendererUrl(target: RendererTarget): string {
  return target.kind === 'file' ? pathToFileURL(target.file).href : target.url
}

/** True if `candidate` is our page (any hash or query): the only thing the window may show. */
export function isOwnUrl(target: RendererTarget, candidate: string): boolean {
  const url = safeUrl(candidate)
  if (!url) return false
  if (target.kind === 'dev') return url.origin === new URL(target.url).origin
  // file:// URLs all share the opaque origin "null": compare the exact file instead.
  if (url.protocol !== 'file:' || (url.host !== '' && url.host !== 'localhost')) return false
  url.hash = ''
  url.search = ''
  try {
    return fileURLToPath(url) === fileURLToPath(pathToFileURL(target.file))
  } catch {
    return false
  }
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}

/**
 * A route table: method + path pattern → handler. A pattern is literal segments and `:name`
 * params (one segment each, optionally held to a RegExp); a path no pattern matches is the
 * app's 404, a matched path with the wrong method its 405 with `Allow`. Literal paths are one
 * map look-up (the push endpoint's hot path); patterns with params are tried in order.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Param values as sent (not percent-decoded): hold them to a rule, or check them in the handler. */
export type RouteParams = Readonly<Record<string, string>>

export interface RouteRequest {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: RouteParams
}

export type RouteHandler = (r: RouteRequest) => void | Promise<void>

/** `*` takes any method: for endpoints that answer a wrong method themselves (WeChat's API). */
export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | '*'

export interface RouterOptions {
  notFound(r: RouteRequest): void | Promise<void>
  /** Called with `Allow` already set on the response. */
  methodNotAllowed(r: RouteRequest, allow: readonly string[]): void | Promise<void>
}

interface ParamRoute {
  segments: readonly (string | { name: string; rule: RegExp | undefined })[]
  methods: Map<string, RouteHandler>
}

export class Router {
  private readonly literal = new Map<string, Map<string, RouteHandler>>()
  private readonly patterns: ParamRoute[] = []

  constructor(private readonly options: RouterOptions) {}

  /** `rules` holds a param to a pattern (anchor it); a param that fails it is a 404. */
  add(
    method: RouteMethod | readonly RouteMethod[],
    pattern: string,
    handler: RouteHandler,
    rules: Readonly<Record<string, RegExp>> = {},
  ): this {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with /: ${pattern}`)
    const methods = typeof method === 'string' ? [method] : method
    let table: Map<string, RouteHandler>
    if (!pattern.includes('/:')) {
      table = this.literal.get(pattern) ?? new Map<string, RouteHandler>()
      this.literal.set(pattern, table)
    } else {
      const segments = pattern
        .slice(1)
        .split('/')
        .map((s) => (s.startsWith(':') ? { name: s.slice(1), rule: rules[s.slice(1)] } : s))
      table = new Map<string, RouteHandler>()
      this.patterns.push({ segments, methods: table })
    }
    for (const m of methods) {
      if (table.has(m)) throw new Error(`route ${m} ${pattern} added twice`)
      table.set(m, handler)
    }
    return this
  }

  /** Answers the request: its handler, or the app's 404 or 405. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void> {
    const found = this.find(url.pathname)
    const r: RouteRequest = { req, res, url, params: found?.params ?? {} }
    if (found === null) return this.options.notFound(r)
    const method = req.method ?? 'GET'
    const handler = found.methods.get(method) ?? found.methods.get('*')
    if (handler !== undefined) return handler(r)
    const allow = [...found.methods.keys()]
    res.setHeader('Allow', allow.join(', '))
    return this.options.methodNotAllowed(r, allow)
  }

  /** Whether some route's pattern matches the path (any method). */
  matches(pathname: string): boolean {
    return this.find(pathname) !== null
  }

  private find(
    pathname: string,
  ): { methods: Map<string, RouteHandler>; params: RouteParams } | null {
    const exact = this.literal.get(pathname)
    if (exact !== undefined) return { methods: exact, params: {} }
    if (this.patterns.length === 0) return null
    const parts = pathname.slice(1).split('/')
    for (const route of this.patterns) {
      const params = matchSegments(route.segments, parts)
      if (params !== null) return { methods: route.methods, params }
    }
    return null
  }
}

function matchSegments(
  segments: ParamRoute['segments'],
  parts: readonly string[],
): Record<string, string> | null {
  if (segments.length !== parts.length) return null
  const params: Record<string, string> = {}
  for (const [i, seg] of segments.entries()) {
    const part = parts[i] ?? ''
    if (typeof seg === 'string') {
      if (seg !== part) return null
    } else {
      if (part === '' || (seg.rule !== undefined && !seg.rule.test(part))) return null
      params[seg.name] = part
    }
  }
  return params
}

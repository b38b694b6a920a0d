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

const NO_PARAMS: RouteParams = Object.freeze({})

interface ParamRoute {
  /** The whole pattern as one RegExp, a group per param (faster than splitting the path). */
  regex: RegExp
  params: readonly { name: string; rule: RegExp | undefined }[]
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
      const params: ParamRoute['params'][number][] = []
      const source = pattern
        .slice(1)
        .split('/')
        .map((seg) => {
          if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          params.push({ name: seg.slice(1), rule: rules[seg.slice(1)] })
          return '([^/]+)'
        })
        .join('/')
      // One entry per pattern: the same path with another method shares its methods.
      const regex = new RegExp(`^/${source}$`)
      const same = this.patterns.find((r) => r.regex.source === regex.source)
      if (same !== undefined) table = same.methods
      else {
        table = new Map<string, RouteHandler>()
        this.patterns.push({ regex, params, methods: table })
      }
    }
    for (const m of methods) {
      if (table.has(m)) throw new Error(`route ${m} ${pattern} added twice`)
      table.set(m, handler)
    }
    return this
  }

  /** Answers the request: its handler, or the app's 404 or 405. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void> {
    const method = req.method ?? 'GET'
    // The literal paths first, without building a match: the push endpoint's hot path.
    const exact = this.literal.get(url.pathname)
    const handler = exact?.get(method) ?? exact?.get('*')
    if (handler !== undefined) return handler({ req, res, url, params: NO_PARAMS })
    const found =
      exact !== undefined ? { methods: exact, params: NO_PARAMS } : this.find(url.pathname)
    const r: RouteRequest = { req, res, url, params: found?.params ?? NO_PARAMS }
    if (found === null) return this.options.notFound(r)
    const routed = found.methods.get(method) ?? found.methods.get('*')
    if (routed !== undefined) return routed(r)
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
    if (exact !== undefined) return { methods: exact, params: NO_PARAMS }
    for (const route of this.patterns) {
      const params = matchRoute(route, pathname)
      if (params !== null) return { methods: route.methods, params }
    }
    return null
  }
}

function matchRoute(route: ParamRoute, pathname: string): Record<string, string> | null {
  const m = route.regex.exec(pathname)
  if (m === null) return null
  const params: Record<string, string> = {}
  for (const [i, p] of route.params.entries()) {
    const value = m[i + 1] ?? ''
    if (p.rule !== undefined && !p.rule.test(value)) return null
    params[p.name] = value
  }
  return params
}

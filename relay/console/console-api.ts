/**
 * The console API as mounted by the relay: sign-in, kiosk and campaign routes, plus whatever other parts
 * add (attendance, stats, events), all behind the router's one guard.
 */
import { authRoutes } from './auth-routes'
import {
  createConsoleRouter,
  type ConsoleApi,
  type ConsoleDeps,
  type ConsoleRoute,
} from './console-router'
import { campaignRoutes } from './campaign-routes'
import { drawRoutes } from '../draws/draw-routes'
import { erasureRoutes } from './erasure-routes'
import { kioskRoutes } from './kiosk-routes'
import { rosterRoutes } from './roster-routes'

export function createConsoleApi(deps: ConsoleDeps, extraRoutes: ConsoleRoute[] = []): ConsoleApi {
  return createConsoleRouter(deps, [
    ...authRoutes(deps),
    ...kioskRoutes(deps),
    ...campaignRoutes(deps),
    ...rosterRoutes(deps),
    ...drawRoutes(deps),
    ...erasureRoutes(deps),
    ...extraRoutes,
  ])
}

/** Until the attendance table answers it: no scans counted. */
export const noScansToday: ConsoleDeps['scansToday'] = (ids) =>
  Promise.resolve(new Map(ids.map((id) => [id, 0])))

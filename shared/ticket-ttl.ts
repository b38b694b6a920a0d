/**
 * How long a temporary code must live for how long it is shown (docs/WECHAT.md "Code lifetime
 * and rotation"). A booth code stays on screen up to the rotation; a visitor who scans it in its
 * last second still needs WeChat to take it. So the lifetime asked of WeChat is at least the
 * rotation plus a margin for the scan's round trip, the kiosk pool's default margin (30 s,
 * electron/core/config/settings.ts `pool.marginSeconds`): one rule for the relay's campaigns
 * and the kiosk's own. Within the contract's ranges (rotation 10–3600, lifetime 60–2,592,000),
 * the shortest lifetime still fits rotations up to 30 s. Runs in browsers too: no imports.
 */
export const TICKET_TTL_MARGIN_SECONDS = 30

/** The shortest lifetime a code shown for `rotationSeconds` may be asked with. */
export const minTicketTtlSeconds = (rotationSeconds: number): number =>
  rotationSeconds + TICKET_TTL_MARGIN_SECONDS

/** Whether a code asked for `ttlSeconds` outlives its time on screen and the scan after it. */
export const ticketOutlivesRotation = (rotationSeconds: number, ttlSeconds: number): boolean =>
  ttlSeconds >= minTicketTtlSeconds(rotationSeconds)

/** The English of a refusal (the API's and the log's); the UIs word it from their i18n. */
export const ticketTtlMessage = (rotationField: string, rotationSeconds: number): string =>
  `must be at least ${minTicketTtlSeconds(rotationSeconds)} (${rotationField} + ` +
  `${TICKET_TTL_MARGIN_SECONDS} s): a code must outlive its time on screen and the scan after it`

// Which Host headers the sandbox answers: DNS rebinding defence. A page on evil.example whose
// name is made to resolve to 127.0.0.1 is the sandbox's own origin to the browser (it could POST
// JSON to /sandbox/scan and read /sandbox/pushes), but its requests carry Host: evil.example.
import { isIP } from 'node:net'
import { portFromText, splitHostPort } from '../shared/net-address'

/** The host name of a Host header (port and IPv6 brackets off, lower case); null: malformed. */
export function hostName(header: string): string | null {
  const parts = splitHostPort(header)
  if (parts === null || (parts.ipv6 && !/^[0-9A-Fa-f:.]+$/.test(parts.host))) return null
  if (parts.port !== null && portFromText(parts.port) === null) return null
  return parts.host.toLowerCase()
}

/**
 * A check for the Host header: any IP address (no name to rebind), localhost, and the names
 * the sandbox was started with (`host`, and `publicBase`'s host). A request without Host was
 * made by no browser (HTTP/1.0 tools) and passes.
 */
export function hostAllowed(
  host: string,
  publicBase: string | null,
): (header: string | undefined) => boolean {
  const names = new Set(['localhost', host.toLowerCase()])
  if (publicBase !== null) names.add(new URL(publicBase).hostname.toLowerCase())
  return (header) => {
    if (header === undefined) return true
    const name = hostName(header)
    return name !== null && (isIP(name) !== 0 || names.has(name))
  }
}

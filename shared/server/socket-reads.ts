// A heartbeat's verdict on a silent socket, held until the sockets have been read. Node runs due
// timers before it reads the sockets, so after the process stood still past an interval (a long
// synchronous task, a starved CPU, a GC) a heartbeat check comes first and finds nothing from a
// peer whose answer is already waiting unread. Both ends of the kiosk link (the kiosk's
// RelayLink, the relay's KioskHub) wait for it rather than cut a healthy link; so does the
// relay's deadline for a kiosk's hello.

/**
 * Runs `fn` two turns of the event loop from now, each of which reads the sockets: the first
 * lets a peer in this same process (the tests run both ends in one) answer what was just sent,
 * the second reads that answer. A dead link still sends nothing, and is judged microseconds late.
 */
export function afterSocketReads(fn: () => void): void {
  setImmediate(() => setImmediate(fn))
}

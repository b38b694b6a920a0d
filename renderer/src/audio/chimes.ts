import type { Greeting } from '../../../shared/domain'
import firstVisitUrl from '../../../resources/sounds/first-visit.wav'
import namedUrl from '../../../resources/sounds/named.wav'
import welcomeBackUrl from '../../../resources/sounds/welcome-back.wav'

const urls: Record<Greeting['kind'], string> = {
  named: namedUrl,
  'first-visit': firstVisitUrl,
  'welcome-back': welcomeBackUrl,
}
const players = new Map<Greeting['kind'], HTMLAudioElement>()

function playerOf(kind: Greeting['kind']): HTMLAudioElement {
  let player = players.get(kind)
  if (!player) {
    player = new Audio(urls[kind])
    player.preload = 'auto'
    players.set(kind, player)
  }
  return player
}

/**
 * Fetches and decodes every chime ahead of the first greeting, while the screen waits for a
 * visitor: made on the first greeting instead, the player's fetch and media set-up ran on the
 * page's thread just before that greeting's paint. Never throws, as playChime.
 */
export function preloadChimes(): void {
  try {
    // Only players not made yet: load() on one already made would fetch it again (the screen
    // mounts again each time staff leave the admin area).
    for (const kind of Object.keys(urls) as Greeting['kind'][]) {
      if (!players.has(kind)) playerOf(kind).load()
    }
  } catch {
    // No audio support: nothing to prepare.
  }
}

/**
 * Plays the chime for a greeting. Never throws: a kiosk without speakers, or a browser
 * refusing autoplay, must still show the greeting.
 */
export function playChime(kind: Greeting['kind']): void {
  try {
    const player = playerOf(kind)
    player.currentTime = 0
    const playing = player.play() as Promise<void> | undefined
    playing?.catch(() => undefined)
  } catch {
    // No audio support: the visual greeting is enough.
  }
}

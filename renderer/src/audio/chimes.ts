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

/**
 * Plays the chime for a greeting. Never throws: a kiosk without speakers, or a browser
 * refusing autoplay, must still show the greeting.
 */
export function playChime(kind: Greeting['kind']): void {
  try {
    let player = players.get(kind)
    if (!player) {
      player = new Audio(urls[kind])
      player.preload = 'auto'
      players.set(kind, player)
    }
    player.currentTime = 0
    const playing = player.play() as Promise<void> | undefined
    playing?.catch(() => undefined)
  } catch {
    // No audio support: the visual greeting is enough.
  }
}

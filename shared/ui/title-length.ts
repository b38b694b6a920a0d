/**
 * How long a campaign's name is, for its title's size on the screens visitors face (the relay's
 * wall and draw, the kiosk's code screen): a short one large, a long one smaller, a very long
 * one (up to the 80 a campaign may have) smaller still, so the whole name shows without taking
 * room the rest of the screen needs. The kiosk sizes the line under its code (a registered
 * guest's name in it) the same way.
 */
export function titleLength(name: string): 'short' | 'long' | 'longer' {
  const n = [...name].length
  return n <= 20 ? 'short' : n <= 44 ? 'long' : 'longer'
}

// `relay organizer add|list|remove|unlock` on the bundled CLI, both stores: the password printed once on
// the last line signs in, the list never shows it or its hash, remove ends live sessions
// (from another process, while the relay runs), bad names, duplicates and `kiosk add`'s options
// are refused.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestRedis } from '../helpers/redis'
import { ConsoleClient, newPlace, startOn, type Place } from './console-helpers'
import { TOKEN, type Backend } from './harness'
import { buildRelayBundle } from './relay-process'

const run = promisify(execFile)
const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }

let redis: TestRedis
/** The bundle, as deployed (and it starts in a fraction of tsx's time). */
let bundle: ReturnType<typeof buildRelayBundle>
beforeAll(async () => {
  redis = await startRedis()
  bundle = buildRelayBundle()
}, 120_000)
afterAll(async () => {
  await redis.stop()
  bundle.remove()
})
const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** The CLI's store flags for `place` (the CLI's Redis prefix is the default `scandesk:`). */
function storeFlags(place: Place): string[] {
  return place.backend === 'redis' ? ['--redis', redis.url] : ['--data', place.dir]
}

async function cli(place: Place, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [bundle.entry, ...args, ...storeFlags(place)],
      {
        env,
      },
    )
    return { code: 0, lines: stdout.trimEnd().split('\n'), stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return {
      code: e.code ?? -1,
      lines: (e.stdout ?? '').trimEnd().split('\n'),
      stderr: e.stderr ?? '',
    }
  }
}

describe.each(['sqlite', 'redis'] as const)(
  'relay organizer CLI (%s store)',
  (backend: Backend) => {
    it(
      'add prints a password once that signs in; list hides it; remove ends the session',
      { timeout: 120_000 },
      async () => {
        const place = newPlace(backend, redis.url)
        place.prefix = 'scandesk:'
        cleanups.push(() => place.remove())

        const added = await cli(place, 'organizer', 'add', 'alice')
        expect(added.code).toBe(0)
        const password = added.lines.at(-1) ?? ''
        // 26 characters of a 31-letter alphabet (≥ 128 bits), in groups of five.
        expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){4}-[a-z2-9]$/)
        expect(added.lines.slice(0, -1).join('\n')).not.toContain(password)

        const dup = await cli(place, 'organizer', 'add', 'alice')
        expect(dup.code).toBe(2)
        expect(dup.stderr).toContain('exists')
        // Kept as sign-in reads it: `add Bob` is organizer bob, and `add BOB` then exists.
        const upper = await cli(place, 'organizer', 'add', 'Bob')
        expect(upper.code).toBe(0)
        expect(upper.lines[0]).toMatch(/^organizer bob added\./)
        const upperAgain = await cli(place, 'organizer', 'add', 'BOB')
        expect(upperAgain.code).toBe(2)
        expect(upperAgain.stderr).toContain('organizer bob exists')
        expect((await cli(place, 'organizer', 'remove', 'bob')).code).toBe(0)
        for (const bad of ['-x', 'a'.repeat(33), 'a b', 'Ａ b']) {
          const r = await cli(place, 'organizer', 'add', bad)
          expect(r.code, bad).toBe(2)
        }
        // Another command's option is refused, not ignored: nothing is added.
        const stray = await cli(place, 'organizer', 'add', 'bob', '--rotate')
        expect(stray.code).toBe(2)
        expect(stray.stderr).toContain('organizer add does not take --rotate')
        const strayKiosk = await cli(place, 'kiosk', 'list', '--scenes', '1-9')
        expect(strayKiosk.code).toBe(2)
        expect(strayKiosk.stderr).toContain('kiosk list does not take --scenes')
        // A second id is refused, not dropped: `kiosk add k1 k2` added k1 alone and said so.
        const twoIds = await cli(place, 'kiosk', 'add', 'k1', 'k2')
        expect(twoIds.code).toBe(2)
        expect(twoIds.lines.join('\n')).not.toMatch(/^k1\./m)
        expect((await cli(place, 'kiosk', 'list')).lines).toEqual(['no kiosks'])
        // A new token keeps what the kiosk was given: `--rotate` dropped its integer scenes
        // (their scans went unrouted) and gave a kiosk kept off the ticket proxy the proxy.
        const listed1 = async () => (await cli(place, 'kiosk', 'list')).lines.join('\n')
        expect((await cli(place, 'kiosk', 'add', 'k9', '--scenes', '100-199')).code).toBe(0)
        await cli(place, 'kiosk', 'add', 'k9', '--rotate', '--no-ticket-proxy')
        expect(await listed1()).toMatch(/^k9\tactive\t.*\ttickets=no\tscenes=100-199$/)
        const rotated = await cli(place, 'kiosk', 'add', 'k9', '--rotate')
        expect(rotated.lines.at(-1)).toMatch(/^k9\./)
        expect(await listed1()).toMatch(/^k9\tactive\t.*\ttickets=no\tscenes=100-199$/)
        // Said explicitly, they change.
        await cli(place, 'kiosk', 'add', 'k9', '--rotate', '--ticket-proxy', '--scenes', '')
        expect(await listed1()).toMatch(/^k9\tactive\t.*\ttickets=yes\tscenes=-$/)
        const both = await cli(place, 'kiosk', 'add', 'k8', '--ticket-proxy', '--no-ticket-proxy')
        expect(both.code).toBe(2)
        expect((await cli(place, 'kiosk', 'revoke', 'k9')).code).toBe(0)
        await cli(place, 'organizer', 'add', 'bob')
        const listed = await cli(place, 'organizer', 'list')
        expect(listed.lines.map((l) => l.split('\t')[0])).toEqual(['alice', 'bob'])
        expect(listed.lines.join('\n')).not.toContain(password)
        expect(listed.lines.join('\n')).not.toContain('scrypt')

        const relay = await startOn(place)
        cleanups.push(() => relay.close())
        const c = new ConsoleClient(relay.url)
        expect((await c.login('alice', password)).status).toBe(200)
        expect((await c.call('GET', '/console/api/session')).status).toBe(200)

        // A name kept locked out by someone else's guesses: `organizer unlock` lifts it.
        const stranger = new ConsoleClient(relay.url)
        for (let i = 0; i < 6; i++) {
          expect((await stranger.login('alice', 'guess')).status).toBe(401)
        }
        expect((await new ConsoleClient(relay.url).login('alice', password)).status).toBe(429)
        const unlocked = await cli(place, 'organizer', 'unlock', 'alice')
        expect(unlocked.code).toBe(0)
        expect(unlocked.lines).toEqual([
          'organizer alice unlocked; failed sign-ins for the name are forgotten',
        ])
        expect((await new ConsoleClient(relay.url).login('alice', password)).status).toBe(200)
        expect((await cli(place, 'organizer', 'unlock', 'nobody')).code).toBe(2)

        const removed = await cli(place, 'organizer', 'remove', 'alice')
        expect(removed.code).toBe(0)
        expect((await c.call('GET', '/console/api/session')).status).toBe(401)
        expect((await c.login('alice', password)).status).toBe(401)
        expect((await cli(place, 'organizer', 'remove', 'alice')).code).toBe(2)
        expect((await cli(place, 'organizer', 'list')).lines).toEqual([
          expect.stringMatching(/^bob\t/),
        ])
      },
    )
  },
)

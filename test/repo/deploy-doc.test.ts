// docs/DEPLOY.md and relay/README.md are what a first-time deployer follows to the letter: the
// relay's settings they name are the ones the relay reads (and each one it reads is named), the
// Node version they ask for is package.json's, both languages give the same systemd commands,
// and the systemd upgrade never rebuilds the checkout the running relay is loaded from and starts
// it under the new version's unit.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONFIG_ENV_NAMES, CONFIG_FIELD_PATHS, envNameOf, flagNameOf } from '../../relay/config'

const ROOT = resolve(import.meta.dirname, '..', '..')
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')
const DEPLOY = read('docs/DEPLOY.md')

/** What a deployer reads or copies: the docs, the relay's README and the deploy files. */
const DEPLOYER_FILES = [
  'README.md',
  'relay/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'deploy')).map((f) => `deploy/${f}`),
  'compose.yaml',
  'Dockerfile',
]

/**
 * Names the docs show on purpose as what the relay does not read: relay/README's example of a
 * typo it warns of, and the prefix of the variables Kubernetes sets, which it does not warn of.
 */
const SHOWN_AS_UNKNOWN = new Set(['SCANDESK_RELAY_APPSECRET', 'SCANDESK_RELAY_SERVICE'])

const relayEnvNames = (text: string): string[] => [
  ...new Set([...text.matchAll(/SCANDESK_RELAY_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0])),
]

/** The Chinese and the English half of docs/DEPLOY.md. */
function halves(doc: string): { zh: string; en: string } {
  const at = doc.indexOf('\n## English\n')
  expect(at, 'docs/DEPLOY.md has an English half').toBeGreaterThan(0)
  return { zh: doc.slice(0, at), en: doc.slice(at) }
}

/** The text of the step `### <n>.` up to the next step. */
function step(half: string, n: number): string {
  const start = half.indexOf(`\n### ${n}. `)
  expect(start, `step ${n}`).toBeGreaterThan(0)
  const end = half.indexOf('\n### ', start + 1)
  return half.slice(start, end === -1 ? undefined : end)
}

const shBlocks = (text: string): string[] =>
  [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')

/** A block's commands, without comments and with the placeholder for the repository alike. */
const commands = (block: string): string[] =>
  block
    .split('\n')
    .map((line) =>
      line
        .replace(/\s+#.*$/, '')
        .replace('<本仓库地址>', '<this repository>')
        .trim(),
    )
    .filter((line) => line !== '')

/** Each command of a block as its words, split at `&&`, without `sudo` or `env NAME=value`. */
function steps(block: string): string[][] {
  return commands(block)
    .flatMap((line) => line.split('&&'))
    .map((command) => {
      const words = command.trim().split(/\s+/)
      while (words[0] === 'sudo' || words[0] === 'env' || /^[A-Z_]+=/.test(words[0] ?? '')) {
        words.shift()
      }
      return words
    })
}

/** The unit's `WorkingDirectory=`: where the running relay's bundle and packages are. */
function unitWorkingDirectory(): string {
  const line = /^WorkingDirectory=(.+)$/m.exec(read('deploy/scandesk-relay.service'))
  expect(line, 'the unit names its WorkingDirectory').not.toBeNull()
  return line?.[1]?.trim() ?? ''
}

/**
 * What is wrong with an upgrade's commands for a relay running from `workdir`, or null: `npm
 * ci` and the build replace `node_modules` and `out/` under the running relay (its console pages
 * become the new version's, its next roster upload fails 500: the lazily loaded chunk it names
 * is gone), so they must run elsewhere, and the new checkout is moved in between a stop and a
 * start. The start runs the new version's unit (copied and reloaded before it): an upgrade that
 * kept the old one never got the unit's own fixes (RestartPreventExitStatus=2).
 */
function upgradeProblem(upgrade: string[][], workdir: string): string | null {
  let cwd = ''
  let stopped = false
  let movedIn = false
  let unitCopied = false
  let unitLoaded = false
  for (const words of upgrade) {
    const [cmd, ...args] = words
    if (cmd === 'cd') cwd = args[0] ?? ''
    const builds =
      cmd === 'npm' &&
      (args[0] === 'ci' || args[0] === 'prune' || args.join(' ') === 'run build:relay')
    if (builds && (cwd === workdir || cwd === '')) {
      return `runs npm ${args.join(' ')} in ${workdir || 'an unnamed folder'}, under the running relay`
    }
    if (cmd === 'git' && args[0] === 'pull' && (cwd === workdir || cwd === '')) {
      return `pulls into ${workdir}, under the running relay`
    }
    if (cmd === 'systemctl' && args[0] === 'stop') stopped = true
    if (cmd === 'cp' && args[0]?.endsWith('/deploy/scandesk-relay.service')) {
      if (args[1] !== '/etc/systemd/system/') return `copies the unit to ${args[1] ?? 'nowhere'}`
      unitCopied = true
    }
    if (cmd === 'systemctl' && args[0] === 'daemon-reload' && unitCopied) unitLoaded = true
    if (cmd === 'systemctl' && (args[0] === 'restart' || args[0] === 'start')) {
      if (!movedIn) return `${args[0]}s the relay before the new checkout is in ${workdir}`
      return unitLoaded
        ? null
        : `${args[0]}s the relay under the old unit (no cp and daemon-reload)`
    }
    if (cmd === 'mv' && args.at(-1) === workdir) {
      if (!stopped) return `moves the new checkout into ${workdir} while the relay runs`
      movedIn = true
    }
  }
  return movedIn ? 'never starts the relay again' : `never puts the new checkout in ${workdir}`
}

/** Whether `text` names the flag `--<flag>` itself, not a longer one it begins. */
const flagNamed = (text: string, flag: string): boolean =>
  new RegExp(`--${flag}(?![a-z0-9-])`).test(text)

describe('the relay settings the docs name', () => {
  it('are every one the relay reads, by field, variable or flag in relay/README.md', () => {
    const readme = read('relay/README.md')
    const unnamed = CONFIG_FIELD_PATHS.filter(
      (path) =>
        !readme.includes(`\`${path}\``) &&
        !readme.includes(`\`${envNameOf(path)}\``) &&
        !flagNamed(readme, flagNameOf(path)),
    )
    expect(CONFIG_FIELD_PATHS).toContain('wechat.appId')
    // `--redis-tls-ca-file` names that setting, not `redis` as well.
    expect(flagNamed('--redis-tls-ca-file FILE', 'redis')).toBe(false)
    expect(flagNamed('--redis URL', 'redis')).toBe(true)
    expect(unnamed).toEqual([])
  })

  it('are only ones the relay reads (a typo in a doc is copied into relay.env as it is)', () => {
    const unknown = DEPLOYER_FILES.flatMap((file) =>
      relayEnvNames(read(file))
        .filter((name) => !CONFIG_ENV_NAMES.has(name) && !SHOWN_AS_UNKNOWN.has(name))
        .map((name) => `${file}: ${name}`),
    )
    expect(unknown).toEqual([])
    // The check itself: a misspelt name in a doc is caught.
    expect(
      relayEnvNames('SCANDESK_RELAY_WECHAT_APPID=x and `SCANDESK_RELAY_PORT`').filter(
        (n) => !CONFIG_ENV_NAMES.has(n),
      ),
    ).toEqual(['SCANDESK_RELAY_WECHAT_APPID'])
  })
})

describe('docs/DEPLOY.md step 4 (Compose)', () => {
  it("says how much log each container keeps as compose.yaml's x-logging does, in both languages", () => {
    const compose = read('compose.yaml')
    const size = /max-size:\s*'?([0-9]+)m'?/.exec(compose)?.[1]
    const files = /max-file:\s*'?([0-9]+)'?/.exec(compose)?.[1]
    expect(size).toBeDefined()
    expect(files).toBeDefined()
    const { zh, en } = halves(DEPLOY)
    const flat = (text: string): string => text.replace(/\s+/g, ' ')
    expect(flat(step(en, 4))).toContain(`at most ${files ?? ''} log files of ${size ?? ''} MB`)
    expect(flat(step(zh, 4)).replace(/ /g, '')).toContain(
      `最多保留${files ?? ''}个${size ?? ''}MB的文件`,
    )
  })
})

describe('docs/DEPLOY.md step 9 (upgrading with Compose)', () => {
  it('restarts Caddy after the pull, in both languages, so the new deploy/Caddyfile is read', () => {
    // compose.yaml mounts deploy/Caddyfile as a single file: `git pull` replaces it, the running
    // container keeps the old one, and `docker compose up -d` recreates Caddy only for a new
    // image or a changed service: the upgrade ran on with the old Caddyfile (its log filter).
    expect(read('compose.yaml')).toMatch(/- \.\/deploy\/Caddyfile:\/etc\/caddy\/Caddyfile/)
    const { zh, en } = halves(DEPLOY)
    const [zhSteps, enSteps] = [zh, en].map((half) => steps(shBlocks(step(half, 9))[0] ?? ''))
    expect(zhSteps).toEqual(enSteps)
    const at = (words: string): number => (enSteps ?? []).findIndex((w) => w.join(' ') === words)
    expect(at('git pull')).toBeGreaterThan(-1)
    expect(at('docker compose restart caddy')).toBeGreaterThan(at('git pull'))
  })
})

describe('docs/DEPLOY.md step 10 (systemd)', () => {
  const { zh, en } = halves(DEPLOY)

  it("asks for package.json's Node version, in both languages", () => {
    const engines = /"node":\s*">=([0-9.]+)"/.exec(read('package.json'))?.[1]
    expect(engines).toBeDefined()
    expect(step(en, 10)).toContain(`Node.js ${engines ?? ''} or later`)
    expect(step(zh, 10)).toContain(`Node.js ${engines ?? ''} 或更高版本`)
  })

  it('gives the same commands in both languages', () => {
    const [zhBlocks, enBlocks] = [shBlocks(step(zh, 10)), shBlocks(step(en, 10))]
    expect(enBlocks.length).toBeGreaterThanOrEqual(2)
    expect(zhBlocks.map(commands)).toEqual(enBlocks.map(commands))
  })

  it('upgrades by building a checkout of its own and swapping it in between a stop and a start', () => {
    const workdir = unitWorkingDirectory()
    expect(workdir).toBe('/opt/scandesk')
    for (const half of [zh, en]) {
      const upgrade = shBlocks(step(half, 10)).find((b) => /systemctl stop scandesk-relay/.test(b))
      expect(upgrade, 'an upgrade block with systemctl stop').toBeDefined()
      expect(upgradeProblem(steps(upgrade ?? ''), workdir)).toBeNull()
    }
    // The check catches the upgrade these docs described before: pull and build in place, restart.
    const inPlace = steps(
      [
        'cd /opt/scandesk && sudo git pull',
        'sudo env ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci && sudo npm run build:relay',
        'sudo systemctl restart scandesk-relay',
      ].join('\n'),
    )
    expect(upgradeProblem(inPlace, workdir)).toMatch(/under the running relay/)
    const stopAfterMove = steps(
      [
        'cd /opt/scandesk-next && sudo npm ci',
        'sudo mv /opt/scandesk-next /opt/scandesk',
        'sudo systemctl stop scandesk-relay',
      ].join('\n'),
    )
    expect(upgradeProblem(stopAfterMove, workdir)).toMatch(/while the relay runs/)
    const swap = [
      'cd /opt/scandesk-next && sudo npm ci',
      'sudo systemctl stop scandesk-relay',
      'sudo mv /opt/scandesk-next /opt/scandesk',
    ]
    expect(upgradeProblem(steps(swap.join('\n')), workdir)).toBe('never starts the relay again')
    const oldUnit = [...swap, 'sudo systemctl start scandesk-relay']
    expect(upgradeProblem(steps(oldUnit.join('\n')), workdir)).toMatch(/under the old unit/)
  })
})

// Folder cli/: the `kiosk` command line. cli.ts (here) picks the command; cli-web.ts runs web mode,
// cli-export.ts exports attendance. The flags they share with the Electron shell (--data, the
// provisioning flags) are parsed by config/provisioning-args.ts.
/**
 * `npm run kiosk -- <command>`:
 *   web     [--port 5170] [--data DIR] [--relay URL --kiosk-id ID --ticket-source proxy|direct
 *           [--api-base URL --appid ID]] [--relay URL --pairing-code CODE]
 *           the kiosk served to a browser (kiosk:web, npm start)
 *   export  --data DIR [--campaign ID] [--format csv|xlsx] [--out FILE]
 *   reset-pin --data DIR
 *           a new admin PIN for a stopped kiosk (printed once, last line); clears the lockout
 *   clear   --data DIR [--logs DIR] [--confirm-loss]
 *           a stopped booth's data, secrets and logs removed for good (clear-booth.ts)
 */
import { stdoutSink } from '../../../shared/server/stdout-sink'
import { runClearCommand } from './cli-clear'
import { runExportCommand } from './cli-export'
import { runResetPinCommand } from './cli-reset-pin'
import { runWebCommand } from './cli-web'

const USAGE = `usage:
  kiosk web [--port 5170] [--data DIR] [--relay URL --kiosk-id ID --ticket-source proxy|direct [--api-base URL --appid ID]]
  kiosk web [--port 5170] [--data DIR] --relay URL --pairing-code CODE [--ticket-source proxy|direct ...]
  kiosk export --data DIR [--campaign ID] [--format csv|xlsx] [--out FILE]
  kiosk reset-pin --data DIR   (a stopped kiosk's new admin PIN, printed once, last line;
                               clears the PIN lockout)
  kiosk clear --data DIR [--logs DIR] [--confirm-loss]
                               (a stopped booth's attendance, roster, campaigns, secrets and logs
                               removed for good; refused while data only it holds would be lost)
secrets for provisioning come from SCANDESK_KIOSK_TOKEN and SCANDESK_APP_SECRET;
the pairing code (from the organizer's console) may come from SCANDESK_PAIRING_CODE instead`

/** The usage on stdout; a reader gone (`kiosk --help | true`) gets one note on stderr, not EPIPE. */
function printUsage(): void {
  stdoutSink('kiosk', 'the usage was not shown')(`${USAGE}\n`)
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  // `npm run kiosk:web -- --help` is `web --help`: the usage, not the parser's "Unknown option".
  if (
    (command === 'web' || command === 'export' || command === 'reset-pin' || command === 'clear') &&
    rest.some((a) => a === '--help' || a === '-h')
  ) {
    printUsage()
    return 0
  }
  switch (command) {
    case 'web':
      return runWebCommand(rest)
    case 'export':
      return runExportCommand(rest)
    case 'reset-pin':
      return runResetPinCommand(rest)
    case 'clear':
      return runClearCommand(rest)
    case undefined:
    case '--help':
    case '-h':
      printUsage()
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n${USAGE}\n`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)

/**
 * `npm run bench [-- --quick] [-- --only push,e2e,kit,...]`: measures, prints a table and writes
 * bench/results/latest.json. Never pass/fail: a missed goal is reported, not thrown.
 */
import { cpus } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchPushCost } from './push-cost'
import { benchEndToEnd } from './e2e'
import { benchStorm } from './storm'
import { benchKiosk } from './kiosk'
import { benchKioskDay3 } from './kiosk-day3'
import { benchChromium } from './chromium'
import { benchRelayStart } from './relay-start'
import { benchPairing } from './pairing'
import { benchConsoleUi } from './console-ui'
import { benchConsoleCompression } from './console-compression'
import { benchConsoleRelayUi, benchConsoleScale } from './console-relay-ui'
import { benchCluster } from './cluster'
import { benchConsoleReads } from './console-reads'
import { benchConsoleCampaignsList } from './console-campaigns-list'
import { benchConsole } from './console'
import { benchServerKit } from './server-kit'
import { benchAttendance } from './attendance'
import { benchSaturation } from './saturation'
import { benchCampaignSync } from './campaign-sync'
import { benchKioskScreen } from './kiosk-screen'
import { benchKioskLongDay } from './kiosk-long-day'
import { benchCampaign } from './campaign'
import { benchCampaignBooths } from './campaign-booths'
import { benchRosterLink } from './roster-link'
import { benchRosterImport } from './roster-import'
import { benchStamps } from './stamps'
import { benchDraws } from './draws'
import { benchFollowUp } from './follow-up'
import { benchFollowUpIdle } from './follow-up-idle'
import { benchMetricsScrape } from './metrics-scrape'
import { benchScreenWall } from './screen-wall'
import { benchScreenLongRun } from './screen-long-run'
import { benchTicketBudget } from './ticket-budget'
import { benchErasure } from './erasure'
import { benchSeason } from './season'
import { benchSmallVm } from './small-vm'
import { printTable, type Results } from './result'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyArg = args[args.indexOf('--only') + 1]
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : null

const suites: Array<[string, (quick: boolean) => Promise<Results>]> = [
  ['push', benchPushCost],
  ['e2e', benchEndToEnd],
  ['storm', benchStorm],
  ['kiosk', benchKiosk],
  ['kiosk-day3', benchKioskDay3],
  ['web', benchChromium],
  ['relay-start', benchRelayStart],
  ['pairing', benchPairing],
  ['console', benchConsoleUi],
  ['console-compression', benchConsoleCompression],
  ['console-relay', benchConsoleRelayUi],
  ['console-scale', benchConsoleScale],
  ['console-scale-reads', benchConsoleReads],
  ['console-campaigns', benchConsoleCampaignsList],
  ['cluster', benchCluster],
  ['console-auth', benchConsole],
  ['kit', benchServerKit],
  ['attendance', benchAttendance],
  ['saturation', benchSaturation],
  ['campaign-sync', benchCampaignSync],
  ['campaign', benchCampaign],
  ['campaign-booths', benchCampaignBooths],
  ['roster-link', benchRosterLink],
  ['roster-import', benchRosterImport],
  ['stamps', benchStamps],
  ['draws', benchDraws],
  ['follow-up', benchFollowUp],
  ['follow-up-idle', benchFollowUpIdle],
  ['metrics', benchMetricsScrape],
  ['screen-wall', benchScreenWall],
  ['screen-tv', benchScreenLongRun],
  ['kiosk-screen', benchKioskScreen],
  ['kiosk-day', benchKioskLongDay],
  ['tickets', benchTicketBudget],
  ['erasure', benchErasure],
  ['season', benchSeason],
  ['small-vm', benchSmallVm],
]

async function main(): Promise<void> {
  const started = Date.now()
  const results: Results = {}
  for (const [name, run] of suites) {
    if (only && !only.has(name)) continue
    const t0 = Date.now()
    try {
      Object.assign(results, await run(quick))
    } catch (err) {
      results[`${name}.error`] = { value: null, unit: '', note: String(err) }
      console.error(`[bench] ${name} failed:`, err)
    }
    console.error(`[bench] ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  printTable(results)
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
  }
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ machine, metrics: results }, null, 2) + '\n')
  console.log(`\n${machine.cpu} ×${machine.nproc}, node ${machine.node}, ${machine.mode}: ${file}`)
}

await main()

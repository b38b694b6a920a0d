/**
 * `kiosk clear --data DIR [--logs DIR] [--confirm-loss]`: clears a stopped booth for good before
 * the laptop goes back (clear-booth.ts): the guests' data, the exports saved in the folder, the
 * campaigns, the vault's secrets and the kiosk's logs go; its next start is a first start, which
 * prints a new admin PIN.
 *
 * What only this booth holds (desk bindings not yet at the relay, check-ins of campaigns the
 * relay does not run) is named and the command refused, changing nothing, unless
 * `--confirm-loss` says to lose it. Like reset-pin it takes the data folder's lock: a kiosk
 * running on the folder is named and the command refused.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { stdoutSink } from '../../../shared/server/stdout-sink'
import { describeOwner, FolderInUseError, lockFolder } from '../../../shared/server/folder-lock'
import {
  BoothClearHeld,
  BoothClearRefused,
  CLEARING_MARKER,
  clearBooth,
  describeAtRisk,
} from '../clear-booth'
import {
  dataDirFrom,
  refuseEmptyFlagValues,
  refuseRepeatedFlags,
} from '../config/provisioning-args'
import { settingsFile } from '../config/settings'

/** Files the clear does not know, kept (clear-booth.ts): named, so none goes back unseen. */
function leftNote(dataDir: string, left: string[]): string {
  if (left.length === 0) return ''
  const list = left.map((name) => `  ${name}\n`).join('')
  return (
    `${dataDir} 里还留有 ${left.length} 个不属于签到程序的文件，未删除；若含来宾数据，请自行删除：\n` +
    `${left.length} files not the kiosk's were left in ${dataDir}, not removed: delete them yourself if they hold guests' data:\n` +
    list
  )
}

export async function runClearCommand(args: string[]): Promise<number> {
  let dataDir: string
  let logs: string | undefined
  let confirmLoss: boolean
  try {
    const { values, tokens } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        logs: { type: 'string' },
        'confirm-loss': { type: 'boolean' },
      },
      strict: true,
      tokens: true,
    })
    refuseRepeatedFlags(tokens)
    refuseEmptyFlagValues(tokens)
    dataDir = dataDirFrom(values.data, 'kiosk-data')
    logs = values.logs
    confirmLoss = values['confirm-loss'] === true
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  }
  // Checked before the lock, which would make the folder: a mistyped --data clears nothing.
  const isKiosk = ['kiosk.db', CLEARING_MARKER].some((f) => existsSync(join(dataDir, f)))
  if (!isKiosk && !existsSync(settingsFile(dataDir))) {
    process.stderr.write(
      `error: ${dataDir} 里没有签到程序的数据（没有 settings.json 或 kiosk.db），未清除任何内容。\n` +
        `no kiosk data in ${dataDir} (no settings.json or kiosk.db); nothing was cleared\n`,
    )
    return 1
  }
  let lock
  try {
    lock = lockFolder(dataDir, { program: 'kiosk clear', setting: '--data' })
  } catch (err) {
    if (!(err instanceof FolderInUseError)) throw err
    process.stderr.write(
      `error: 数据文件夹 ${err.folder} 正被${describeOwner(err.owner, 'zh-CN')}使用：请先关闭签到程序，再清除本机数据。\n` +
        `The data folder ${err.folder} is in use by ${describeOwner(err.owner, 'en')}: stop the kiosk first, then clear it.\n`,
    )
    return 1
  }
  let removed: number
  let lost
  let left: string[]
  try {
    const cleared = clearBooth(dataDir, {
      confirmLoss,
      ...(logs !== undefined && { logDirs: [logs] }),
    })
    removed = cleared.removed.length
    lost = cleared.lost
    left = cleared.left
  } catch (err) {
    if (err instanceof BoothClearHeld) {
      process.stderr.write(`error: ${err.message}\n`)
      return 1
    }
    if (!(err instanceof BoothClearRefused)) throw err
    process.stderr.write(
      `error: ${err.message}\n` +
        `导出：npm run kiosk -- export --data ${dataDir} --format xlsx --out FILE；` +
        '或加 --confirm-loss 确认放弃这些数据。\n' +
        `Export with npm run kiosk -- export --data ${dataDir} --format xlsx --out FILE, ` +
        'or add --confirm-loss to clear anyway.\n',
    )
    return 1
  } finally {
    lock.release()
  }
  const confirmed =
    lost.unsentBindings + lost.localOnlyCheckIns > 0 ? `${describeAtRisk(lost)}\n` : ''
  // A reader gone (`kiosk clear … | head -0`) gets a note on stderr, not EPIPE: the clear is done.
  const out = stdoutSink('kiosk', 'the report of what was cleared is not shown')
  await out.written(
    `${confirmed}` +
      `已清除 ${dataDir} 的本机数据（${removed} 个文件）：签到记录、名单、二维码、活动、已保存的导出文件、中继令牌与 AppSecret。下次启动即首次启动，会显示新的管理员 PIN。\n` +
      `Cleared the booth in ${dataDir} (${removed} files): attendance, roster, codes, campaigns, saved exports, the relay token and the AppSecret. ` +
      'Its next start is a first start, which shows a new admin PIN.\n' +
      leftNote(dataDir, left),
  )
  return 0
}

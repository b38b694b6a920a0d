/**
 * `kiosk reset-pin --data DIR`: a new admin PIN for a stopped kiosk whose PIN is lost (or was
 * never seen: `kiosk web` with its stdout gone). Made as a first start makes one (six random
 * digits), kept as settings.json keeps every PIN (its salted scrypt hash only), and printed
 * once, alone on the last line. The wrong-PIN lockout (`meta` admin.*) is cleared with it, so
 * the staff can type the PIN at once.
 *
 * It takes the data folder's lock (shared/server/folder-lock.ts) for the change: a kiosk running
 * on the folder holds its settings in memory and writes them back, so it would keep (and
 * restore) the old PIN. That kiosk is named and the command refused, changing nothing.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { hashPin, randomPin } from '../config/admin-auth'
import { saveLockout, setPinUnseen } from '../config/admin-lockout'
import { ConfigFileError } from '../config/json-file'
import {
  dataDirFrom,
  refuseEmptyFlagValues,
  refuseRepeatedFlags,
} from '../config/provisioning-args'
import { loadSettings, saveSettings, settingsFile } from '../config/settings'
import { openKioskDb } from '../db/db'
import { MetaTable } from '../db/meta-table'
import { describeOwner, FolderInUseError, lockFolder } from '../../../shared/server/folder-lock'
import { stdoutSink } from '../../../shared/server/stdout-sink'

/** The command as staff type it, for the messages that tell them to run it. */
export function resetPinCommand(dataDir: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(dataDir) ? dataDir : `'${dataDir.replace(/'/g, `'\\''`)}'`
  return `npm run kiosk -- reset-pin --data ${quoted}`
}

export async function runResetPinCommand(args: string[]): Promise<number> {
  let dataDir: string
  try {
    const { values, tokens } = parseArgs({
      args,
      options: { data: { type: 'string' } },
      strict: true,
      tokens: true,
    })
    refuseRepeatedFlags(tokens)
    refuseEmptyFlagValues(tokens)
    dataDir = dataDirFrom(values.data, 'kiosk-data')
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  }
  // Checked before the lock, which would make the folder: a mistyped --data makes nothing.
  if (!existsSync(settingsFile(dataDir))) {
    process.stderr.write(
      `error: no kiosk settings in ${dataDir} (settings.json not found); ` +
        'a kiosk makes its admin PIN on its first start\n',
    )
    return 1
  }
  let lock
  try {
    lock = lockFolder(dataDir, { program: 'kiosk reset-pin', setting: '--data' })
  } catch (err) {
    if (!(err instanceof FolderInUseError)) throw err
    process.stderr.write(
      `error: 数据文件夹 ${err.folder} 正被${describeOwner(err.owner, 'zh-CN')}使用。` +
        '运行中的签到程序会保留旧 PIN：请先关闭签到程序，再重置 PIN。\n' +
        `The data folder ${err.folder} is in use by ${describeOwner(err.owner, 'en')}. ` +
        'A running kiosk keeps the old PIN: stop the kiosk first, then reset the PIN.\n',
    )
    return 1
  }
  const pin = randomPin()
  try {
    const settings = loadSettings(dataDir)
    if (settings === null) throw new Error(`settings.json in ${dataDir} has gone`)
    // The lockout first: a failure here leaves the old PIN, not a new one nobody was shown.
    const dbFile = join(dataDir, 'kiosk.db')
    if (existsSync(dbFile)) {
      // A 0-byte kiosk.db becomes a new database here, and the kiosk then finds nothing to warn
      // of at its start: the warning the other commands give, said as this command speaks.
      const db = openKioskDb(dbFile, {
        mustExist: true,
        warn: (message, { file }) =>
          process.stderr.write(
            `warning: 签到数据库 ${file} 是空文件：已作为新数据库使用；` +
              `如果本想恢复备份，请停下来先恢复备份。\n${message}\n`,
          ),
      })
      try {
        const meta = new MetaTable(db)
        saveLockout(meta, { failures: 0, lockedUntil: null })
        // The PIN printed below is the one to keep: a first start's unseen one is replaced.
        setPinUnseen(meta, false)
      } finally {
        db.close()
      }
    }
    saveSettings(dataDir, { ...settings, adminPin: hashPin(pin) })
  } catch (err) {
    if (!(err instanceof ConfigFileError)) throw err
    process.stderr.write(`error: ${err.message}\n`)
    return 1
  } finally {
    lock.release()
  }
  const out = stdoutSink('kiosk', 'the new admin PIN is not shown')
  out(
    `已为 ${dataDir} 的签到程序生成新的管理员 PIN，并解除了 PIN 锁定；新 PIN 只在最后一行显示这一次，只保存其哈希。\n` +
      `The admin PIN of the kiosk in ${dataDir} is replaced and the PIN lockout cleared; ` +
      'the new PIN is shown once, on the last line; only its hash is kept.\n',
  )
  if (await out.written(`${pin}\n`)) return 0
  process.stderr.write(
    `kiosk: the new admin PIN was not shown (stdout is closed); run ${resetPinCommand(dataDir)} again\n`,
  )
  return 1
}

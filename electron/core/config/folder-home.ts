/**
 * Where this data folder lives: the folder itself (its file-system identity) and the computer
 * (its network cards' hardware addresses). Kept in kiosk.db's `meta` so a folder that turns up
 * somewhere else is noticed at start: a booth's folder copied onto a spare laptop, or one booth
 * set up and its disk imaged onto thirty. A copy brings the original's ready tickets, which the
 *  original (or every other copy) shows too, in the same order; the copy retires them and makes its
 * own (docs/DESIGN.md "The kiosk").
 *
 * Why these two: a copy of the folder (Explorer, robocopy, cp, a backup restored) is a new
 * directory, so its inode (NTFS's file id) changes on the same computer and on another; a disk
 * image keeps it, but the laptops it is booted on have their own network cards. A computer's
 * addresses (its cards' own, not made-up or virtual ones) are compared as sets, and only when
 * both sets are known:
 * a card plugged in later (a USB Ethernet dongle) shares the others with the stored set, and a
 * start with every card down (os.networkInterfaces lists only cards with an address) decides
 * nothing. Mistaking a folder for a copy costs only the tickets it brought.
 */
import { networkInterfaces } from 'node:os'
import { statSync } from 'node:fs'
import { z } from 'zod'
import type { MetaTable } from '../db/meta-table'

export const HOME_META = 'install.home'
/** Addresses kept per folder: a laptop's cards and the dongles it has known. */
const MAX_ADDRESSES = 32

const macSchema = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
const homeSchema = z
  .object({ folder: z.string().min(1).max(100), macs: z.array(macSchema).max(MAX_ADDRESSES) })
  .strict()
export type FolderHome = z.infer<typeof homeSchema>

/**
 * Virtual switches' prefixes whose addresses an imaged disk brings along (Hyper-V's vEthernet,
 * VMware's host adapters): the same on every laptop booted from the image.
 */
const SHARED_VIRTUAL_PREFIXES = ['00:15:5d', '00:50:56']

/**
 * Whether `mac` names one network card of one computer: a universally administered address
 * (the locally administered ones are Windows' and phones' random Wi-Fi addresses, Docker's,
 * VirtualBox's host-only adapters, VPN taps: made up, or the same everywhere), not a group
 * address, not a virtual switch an image carries.
 */
export function isHardwareAddress(mac: string): boolean {
  if (!macSchema.safeParse(mac).success || mac === '00:00:00:00:00:00') return false
  const first = Number.parseInt(mac.slice(0, 2), 16)
  if ((first & 0x03) !== 0) return false
  return !SHARED_VIRTUAL_PREFIXES.some((p) => mac.startsWith(p))
}

/**
 * This computer's network cards' hardware addresses (isHardwareAddress), sorted. None when the
 * cards cannot be listed (os.networkInterfaces throws on some computers: a Windows error from
 * GetAdaptersAddresses, EMFILE, a sandbox): as with every card down, that decides nothing, and a
 * guess at a copy never stops a booth from starting.
 */
export function machineAddresses(): string[] {
  let cards: ReturnType<typeof networkInterfaces>
  try {
    cards = networkInterfaces()
  } catch {
    return []
  }
  const macs = new Set<string>()
  for (const list of Object.values(cards)) {
    for (const a of list ?? []) {
      const mac = a.mac.toLowerCase()
      if (!a.internal && isHardwareAddress(mac)) macs.add(mac)
    }
  }
  return [...macs].sort()
}

/** The folder's identity as the file system has it (as big integers: NTFS's ids pass 2^53). */
export function folderIdentity(dataDir: string): string {
  const s = statSync(dataDir, { bigint: true })
  return `${s.dev}:${s.ino}`
}

/**
 * Whether two `folderIdentity`s are one folder: the same inode. The device number is stored but
 * not compared: it is not the disk's own (btrfs hands one out at each mount,
 * and dm-crypt, LVM or NVMe disks set up in another order at boot get other numbers), so the
 * same folder could read as a copy after a restart, every restart.
 */
function sameFolder(a: string, b: string): boolean {
  return a.slice(a.indexOf(':') + 1) === b.slice(b.indexOf(':') + 1)
}

/**
 * Compares the home stored in `meta` with this one and stores what is known now. Returns
 * whether the folder was copied (or imaged) from where it was: never on its first start, nor
 * when the stored home cannot be read (then written anew).
 */
export function checkFolderHome(meta: MetaTable, here: FolderHome): boolean {
  const raw = meta.get(HOME_META)
  let stored: FolderHome | null = null
  try {
    stored = raw === null ? null : homeSchema.parse(JSON.parse(raw))
  } catch {
    stored = null
  }
  const copied =
    stored !== null &&
    (!sameFolder(stored.folder, here.folder) ||
      (stored.macs.length > 0 &&
        here.macs.length > 0 &&
        !here.macs.some((m) => stored.macs.includes(m))))
  const macs =
    copied || stored === null
      ? here.macs
      : [...new Set([...here.macs, ...stored.macs])].slice(0, MAX_ADDRESSES)
  const next: FolderHome = { folder: here.folder, macs }
  const json = JSON.stringify(homeSchema.parse(next))
  if (json !== raw) meta.set(HOME_META, json)
  return copied
}

/**
 * Where this data folder lives: the folder itself (its file-system identity) and the computer
 * (its network cards' names and hardware addresses). Kept in kiosk.db's `meta` so a folder that
 * turns up somewhere else is noticed at start: a booth's folder copied onto a spare laptop, or
 * one booth set up and its disk imaged onto thirty. A copy brings the original's ready tickets, which the
 *  original (or every other copy) shows too, in the same order; the copy retires them and makes its
 * own (docs/DESIGN.md "The kiosk").
 *
 * Why these two: a copy of the folder (Explorer, robocopy, cp, a backup restored) is a new
 * directory, so its inode (NTFS's file id) changes on the same computer and on another; a disk
 * image keeps it, but the laptops it is booted on have their own network cards. A computer's
 * cards (name and own address, not made-up or virtual ones) are compared with those it has
 * known, and say "another computer" only when a card of a name it knows has an address it never
 * had and no address is one it had: the laptops an image is booted on are one model, whose
 * cards have the same names (Windows' "Ethernet", macOS's en0, Linux's enp0s31f6). A card plugged
 * in later (a USB Ethernet dongle) is a new name; a laptop first started on Ethernet and now on
 * Wi-Fi alone (os.networkInterfaces lists only cards that are up, with an address) shows a
 * name it has not known, which decides nothing, as does a start with every card down.
 * Mistaking a folder for a copy costs only the tickets it brought; a copy not noticed at once
 * is noticed at a later start on a card the original had.
 */
import { networkInterfaces } from 'node:os'
import { statSync } from 'node:fs'
import { z } from 'zod'
import type { MetaTable } from '../db/meta-table'

export const HOME_META = 'install.home'
/**
 * Cards kept per folder: a laptop's cards and the dongles it has known. Full, the ones unseen
 * longest are forgotten (this start's cards first, then the others as last seen).
 */
const MAX_ADDRESSES = 32

const macSchema = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
const cardSchema = z.object({ name: z.string().min(1).max(256), mac: macSchema }).strict()
const homeSchema = z
  .object({ folder: z.string().min(1).max(100), cards: z.array(cardSchema).max(MAX_ADDRESSES) })
  .strict()
export type FolderHome = z.infer<typeof homeSchema>
/** A network card: the name the system gives it and its own hardware address. */
export type NetworkCard = z.infer<typeof cardSchema>

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
 * This computer's network cards that are up, with their hardware addresses (isHardwareAddress),
 * sorted. None when the cards cannot be listed (os.networkInterfaces throws on some computers: a
 * Windows error from GetAdaptersAddresses, EMFILE, a sandbox): as with every card down, that
 * decides nothing, and a guess at a copy never stops a booth from starting.
 */
export function machineCards(): NetworkCard[] {
  let cards: ReturnType<typeof networkInterfaces>
  try {
    cards = networkInterfaces()
  } catch {
    return []
  }
  const found = new Map<string, NetworkCard>()
  for (const [name, list] of Object.entries(cards)) {
    for (const a of list ?? []) {
      const mac = a.mac.toLowerCase()
      if (!a.internal && isHardwareAddress(mac) && name.length > 0 && name.length <= 256) {
        found.set(`${name}\n${mac}`, { name, mac })
      }
    }
  }
  return [...found.values()].sort(byCard)
}

function byCard(a: NetworkCard, b: NetworkCard): number {
  return a.name === b.name ? (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0) : a.name < b.name ? -1 : 1
}

/**
 * Whether `here` are another computer's cards than `known`: a card of a name known with an
 * address never known, and none of the known addresses. Cards of names never seen, or none
 * listed, decide nothing.
 */
function anotherComputer(known: readonly NetworkCard[], here: readonly NetworkCard[]): boolean {
  if (here.some((c) => known.some((k) => k.mac === c.mac))) return false
  return here.some((c) => known.some((k) => k.name === c.name))
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
  let stored: FolderHome | null
  try {
    stored = raw === null ? null : homeSchema.parse(JSON.parse(raw))
  } catch {
    stored = null
  }
  const copied =
    stored !== null &&
    (!sameFolder(stored.folder, here.folder) || anotherComputer(stored.cards, here.cards))
  const known = copied || stored === null ? [] : stored.cards
  const cards = [
    ...here.cards,
    ...known.filter((k) => !here.cards.some((c) => c.name === k.name && c.mac === k.mac)),
  ].slice(0, MAX_ADDRESSES)
  const next: FolderHome = { folder: here.folder, cards }
  const json = JSON.stringify(homeSchema.parse(next))
  if (json !== raw) meta.set(HOME_META, json)
  return copied
}

/**
 * Per-visitor scenes and the first push stored for each (migration 22). Runs inside the push's
 * own savepoint of the group commit, so pushes for one code are decided in order, and a push
 * that fails later leaves no claim behind.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { SCENE_SHARED_SECONDS, type NewEvent } from '../types'
import { statement } from './statements'

const claimRow = z.object({
  openid: z.string(),
  seq: z.number(),
  create_time: z.number(),
  claimed_at: z.number(),
  acked_seq: z.number(),
})

/**
 * Whether `e` is another openid's scan of a code whose first push the booth has acknowledged
 * (so it has rotated it off its screen), more than SCENE_SHARED_SECONDS after that push was
 * made and after the relay received it: a photo, not counted. The booth replaces a code only
 * once it hears of its scan, so a scan made before the relay had the first push (WeChat pushed
 * both late, a backlog after its incident) was of the code on the screen, and counts.
 */
export function sceneTaken(db: Database.Database, kioskId: string, e: NewEvent): boolean {
  const row = statement(
    db,
    `SELECT c.openid, c.seq, c.create_time, c.claimed_at, k.acked_seq
       FROM scene_claims c JOIN kiosks k ON k.kiosk_id = ? WHERE c.scene = ?`,
  ).get(kioskId, e.scene)
  if (row === undefined) return false
  const claim = claimRow.parse(row)
  return (
    claim.openid !== e.openid &&
    claim.seq <= claim.acked_seq &&
    e.createTime - claim.create_time > SCENE_SHARED_SECONDS &&
    e.createTime * 1000 - claim.claimed_at > SCENE_SHARED_SECONDS * 1000
  )
}

/** Records `e`, stored as `seq`, as the scene's first push, unless one is already recorded. */
export function claimScene(db: Database.Database, e: NewEvent, seq: number): void {
  statement(
    db,
    `INSERT INTO scene_claims (scene, openid, seq, create_time, claimed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scene) DO NOTHING`,
  ).run(e.scene, e.openid, seq, e.createTime, e.receivedAt)
}

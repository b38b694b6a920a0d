// qrcode/create request validation, answering with WeChat's errcodes (not shared/wechat's
// client-side validator: the sandbox must refuse exactly what WeChat refuses, the way it does).
// Rules (docs/WECHAT.md "Creating a QR code ticket" and "Where the sources disagree"):
// - QR_SCENE: scene_id is a 32-bit non-zero integer. The SCAN event doc calls EventKey "a 32-bit
//   unsigned integer", so the range is 1..4294967295.
// - QR_LIMIT_SCENE: scene_id 1..100000.
// - QR_STR_SCENE / QR_LIMIT_STR_SCENE: scene_str of 1..64 characters.
// - expire_seconds: temporary codes only, at most 2592000 (30 days); ignored for permanent ones.
import { z } from 'zod'
import { apiError, type ApiErrorBody } from './api-errors'

export const ACTION_NAMES = [
  'QR_SCENE',
  'QR_STR_SCENE',
  'QR_LIMIT_SCENE',
  'QR_LIMIT_STR_SCENE',
] as const
export type ActionName = (typeof ACTION_NAMES)[number]

export const MAX_EXPIRE_SECONDS = 2_592_000
/**
 * Default lifetime when expire_seconds is left out: 60 s as the current official doc says; older
 * copies say 30 s (docs/WECHAT.md "Where the sources disagree"). Clients should always send it.
 */
export const DEFAULT_EXPIRE_SECONDS = 60
export const MAX_TEMP_SCENE_ID = 0xffff_ffff
export const MAX_PERMANENT_SCENE_ID = 100_000
export const MAX_SCENE_STR_CHARS = 64

/** Integer scenes stay numbers so they are never mangled into floats or strings on the way. */
export type Scene = number | string

export interface QrRequest {
  actionName: ActionName
  permanent: boolean
  scene: Scene
  /** null for permanent codes. */
  expireSeconds: number | null
}

export type QrValidation = { ok: true; request: QrRequest } | { ok: false; error: ApiErrorBody }

const actionNameSchema = z.enum(ACTION_NAMES)
const bodySchema = z.object({
  action_name: z.unknown().optional(),
  action_info: z.unknown().optional(),
  expire_seconds: z.unknown().optional(),
})

function sceneIdSchema(max: number): z.ZodType<Scene> {
  return z
    .object({ scene: z.object({ scene_id: z.number().int().min(1).max(max) }) })
    .transform((info) => info.scene.scene_id)
}

// Characters XML 1.0 cannot carry: such a scene could never be pushed, so the sandbox refuses it
// (the docs are silent on what WeChat does).
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/u

// Characters, not UTF-16 units or bytes: "长度限制为1到64" counts characters.
const sceneStrSchema: z.ZodType<Scene> = z
  .object({
    scene: z.object({
      scene_str: z
        .string()
        .refine((s) => s.length > 0 && [...s].length <= MAX_SCENE_STR_CHARS, 'length 1..64')
        .refine((s) => !NOT_XML_CHAR.test(s), 'XML characters only'),
    }),
  })
  .transform((info) => info.scene.scene_str)

const expireSchema = z.number().int().min(1).max(MAX_EXPIRE_SECONDS)

const infoSchemas: Record<ActionName, z.ZodType<Scene>> = {
  QR_SCENE: sceneIdSchema(MAX_TEMP_SCENE_ID),
  QR_LIMIT_SCENE: sceneIdSchema(MAX_PERMANENT_SCENE_ID),
  QR_STR_SCENE: sceneStrSchema,
  QR_LIMIT_STR_SCENE: sceneStrSchema,
}

const fail = (error: ApiErrorBody): QrValidation => ({ ok: false, error })

/** Validates a parsed JSON body; `raw` is whatever JSON.parse returned. */
export function validateQrRequest(raw: unknown): QrValidation {
  const body = bodySchema.safeParse(raw)
  if (!body.success) return fail(apiError('dataFormat'))
  const action = actionNameSchema.safeParse(body.data.action_name)
  if (!action.success) return fail(apiError('invalidActionName'))
  const actionName = action.data
  const permanent = actionName.startsWith('QR_LIMIT_')

  const info = infoSchemas[actionName].safeParse(body.data.action_info)
  if (!info.success) return fail(apiError('invalidActionInfo'))
  const scene = info.data

  if (permanent) return { ok: true, request: { actionName, permanent, scene, expireSeconds: null } }
  if (body.data.expire_seconds === undefined) {
    return {
      ok: true,
      request: { actionName, permanent, scene, expireSeconds: DEFAULT_EXPIRE_SECONDS },
    }
  }
  const expire = expireSchema.safeParse(body.data.expire_seconds)
  if (!expire.success) return fail(apiError('argumentInvalid', 'expire_seconds'))
  return { ok: true, request: { actionName, permanent, scene, expireSeconds: expire.data } }
}

// WeChat's official test vectors (docs/WECHAT.md "Public test vectors"), kept in the repo as a
// fixture so a clone with nothing beside it runs the same checks. The one loader and the one type
// every test uses; the schema refuses a fixture that lost a field.
import { readFileSync } from 'node:fs'
import { z } from 'zod'

const vectorsSchema = z.object({
  plain_signature: z
    .array(
      z.object({
        token: z.string(),
        timestamp: z.string(),
        nonce: z.string(),
        signature: z.string(),
        echostr: z.string().optional(),
      }),
    )
    .min(1),
  safe_mode: z.object({
    token: z.string(),
    encodingAESKey: z.string(),
    appid: z.string(),
    message: z.object({
      msg_signature: z.string(),
      timestamp: z.string(),
      nonce: z.string(),
      encrypt: z.string(),
      plaintext: z.string(),
    }),
    url_check: z.object({
      msg_signature: z.string(),
      timestamp: z.string(),
      nonce: z.string(),
      echostr_encrypted: z.string(),
      echostr_plaintext: z.string(),
    }),
  }),
})

export type WechatVectors = z.infer<typeof vectorsSchema>

export const vectors: WechatVectors = vectorsSchema.parse(
  JSON.parse(
    readFileSync(new URL('../fixtures/wechat-vectors.json', import.meta.url), 'utf8'),
  ) as unknown,
)

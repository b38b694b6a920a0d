// The official vectors, read at run time from ../shared beside the checkout (never copied here).
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

export const vectors = vectorsSchema.parse(
  JSON.parse(
    readFileSync(new URL('../../../shared/wechat-vectors.json', import.meta.url), 'utf8'),
  ) as unknown,
)

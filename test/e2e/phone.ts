import { z } from 'zod'

const scanAnswerSchema = z.object({
  event: z.enum(['subscribe', 'SCAN']),
  attempts: z.array(z.object({ status: z.number().nullable().optional() }).passthrough()),
})
export type ScanAnswer = z.infer<typeof scanAnswerSchema>

/** What a phone does: hand the url it read from the QR code to (the sandbox's) WeChat. */
export async function phoneScan(
  sandboxUrl: string,
  url: string,
  openid: string,
): Promise<ScanAnswer> {
  const res = await fetch(`${sandboxUrl}/sandbox/scan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url, openid }),
  })
  const body = await res.text()
  if (!res.ok) throw new Error(`sandbox scan answered ${res.status}: ${body}`)
  return scanAnswerSchema.parse(JSON.parse(body))
}

import type { z } from 'zod'

/**
 * First problem per field, keyed by the field's path ('relayUrl', 'greetings.en.named'): zod's
 * issue code, or for a refinement the code it carries in `params.code` ('insecure_http').
 */
export function issuesByField(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const issue of issues) {
    const field = issue.path.map(String).join('.')
    const own: unknown = issue.code === 'custom' ? issue.params?.code : undefined
    out[field] ??= typeof own === 'string' ? own : issue.code
  }
  return out
}

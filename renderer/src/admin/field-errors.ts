import type { z } from 'zod'

/** First problem per field, keyed by the field's path ('relayUrl', 'greetings.en.named'). */
export function issuesByField(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const issue of issues) {
    const field = issue.path.map(String).join('.')
    out[field] ??= issue.code
  }
  return out
}

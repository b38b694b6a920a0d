/**
 * A phone number as a screen others can see shows it: the four digits before the last four
 * hidden (13800138000 → 138****8000, +86 138-0013-8000 → +86 138-****-8000), the way Chinese
 * apps and receipts print one, so a queue or a camera over the organizer's shoulder does not
 * take a guest's number. The separators stay where they were; a short number (an extension)
 * keeps only its last half. Anything but digits is left as it is.
 */
export function maskPhone(phone: string): string {
  const digits = [...phone].filter((ch) => ch >= '0' && ch <= '9').length
  const keep = digits >= 8 ? 4 : Math.floor(digits / 2)
  const from = digits >= 8 ? digits - 8 : 0
  const to = digits - keep
  let i = 0
  let out = ''
  for (const ch of phone) {
    if (ch >= '0' && ch <= '9') {
      out += i >= from && i < to ? '*' : ch
      i += 1
    } else out += ch
  }
  return out
}

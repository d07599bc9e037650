// Client-controlled objects (tags, client, user, context) are made safe for any store:
// keys holding `$` or `.` would be operators or paths to MongoDB, and control
// characters corrupt terminals and CSV exports.

const MAX_DEPTH = 8
const MAX_KEYS = 100
const MAX_ARRAY = 100

// C0 controls except tab, newline and carriage return (stack traces are multi-line), DEL and C1.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g

export function stripControl(value: string): string {
  return value.replace(CONTROL, '')
}

/** For one-line fields (type, tag values, names): newlines go too. */
export function stripControlOneLine(value: string): string {
  return stripControl(value).replace(/[\r\n\t]+/g, ' ')
}

// Most keys (tags, client fields) are plain identifiers: nothing to clean.
const PLAIN_KEY = /^[A-Za-z0-9_-]*$/

export function safeKey(key: string): string {
  if (PLAIN_KEY.test(key) && key !== '__proto__' && key !== 'constructor' && key !== 'prototype') return key
  const cleaned = stripControlOneLine(key).replace(/[$.]/g, '_')
  return cleaned === '__proto__' || cleaned === 'constructor' || cleaned === 'prototype' ? `_${cleaned}` : cleaned
}

/** A deep copy with safe keys, clean strings and bounded depth and width. */
export function sanitizeValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return stripControl(value)
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value
  if (depth >= MAX_DEPTH) return '[Truncated]'
  if (Array.isArray(value)) return value.slice(0, MAX_ARRAY).map((v) => sanitizeValue(v, depth + 1))
  if (typeof value === 'object') return sanitizeObject(value as Record<string, unknown>, depth)
  return undefined
}

export function sanitizeObject(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null)
  let n = 0
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= MAX_KEYS) break
    const cleaned = sanitizeValue(v, depth + 1)
    if (cleaned !== undefined) out[safeKey(k)] = cleaned
  }
  // A plain prototype again, so the object serialises and compares normally.
  return {...out}
}

export function sanitizeTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(tags)) out[safeKey(k)] = stripControlOneLine(v)
  return out
}

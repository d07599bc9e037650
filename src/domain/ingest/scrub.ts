// Secrets never reach storage: values under sensitive keys become [Filtered], and
// anything shaped like a payment card number is masked wherever it appears.

import {Memo} from './memo.js'

export const FILTERED = '[Filtered]'

/** Matched against keys lower-cased with everything but letters and digits removed. */
export const DEFAULT_SCRUB_KEYS: readonly string[] = [
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'apikey', 'xapikey', 'accesskey',
  'privatekey', 'authorization', 'auth', 'bearer', 'cookie', 'setcookie', 'session', 'sessionid',
  'sid', 'csrf', 'xsrf', 'signature', 'creditcard', 'cardnumber', 'ccnumber', 'cvv', 'cvc', 'pan',
]

/** Keys that are only sensitive as a whole word (so `author` or `pandas` are kept). */
const EXACT_ONLY = new Set(['auth', 'sid', 'pan', 'pwd', 'cvv', 'cvc'])

// 13–19 digits, optionally grouped by spaces or dashes; checked with Luhn before masking.
const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g

function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

export function maskCardNumbers(text: string): string {
  if (!/\d{4}/.test(text)) return text
  return text.replace(CARD_CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, '')
    return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? FILTERED : match
  })
}

export class Scrubber {
  private readonly contains: string[]
  private readonly exact: Set<string>
  // The same few field names come with every event; each is checked against every scrub key.
  private readonly verdicts = new Memo<boolean>(2000, 128)

  constructor(keys: readonly string[] = DEFAULT_SCRUB_KEYS) {
    const normalised = keys.map(normaliseKey).filter(Boolean)
    this.exact = new Set(normalised)
    this.contains = normalised.filter((k) => !EXACT_ONLY.has(k))
  }

  isSensitiveKey(key: string): boolean {
    return this.verdicts.get(key, (raw) => {
      const k = normaliseKey(raw)
      return this.exact.has(k) || this.contains.some((s) => k.includes(s))
    })
  }

  /** A scrubbed deep copy of a JSON value. */
  scrubValue(value: unknown): unknown {
    if (typeof value === 'string') return maskCardNumbers(value)
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v))
    if (value && typeof value === 'object') return this.scrubObject(value as Record<string, unknown>)
    return value
  }

  scrubObject<T extends Record<string, unknown>>(obj: T): T {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(obj)) {
      out[k] = this.isSensitiveKey(k) && v !== null && v !== '' ? FILTERED : this.scrubValue(v)
    }
    return out as T
  }

  /** Query parameters with sensitive names are filtered in URLs too. */
  scrubUrl(url: string): string {
    const q = url.indexOf('?')
    if (q < 0) return maskCardNumbers(url)
    const hash = url.indexOf('#', q)
    const query = url.slice(q + 1, hash < 0 ? undefined : hash)
    const cleaned = query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        const name = eq < 0 ? pair : pair.slice(0, eq)
        let decoded = name
        try {
          decoded = decodeURIComponent(name)
        } catch {
          // keep the raw name
        }
        return eq >= 0 && this.isSensitiveKey(decoded) ? `${name}=${encodeURIComponent(FILTERED)}` : pair
      })
      .join('&')
    return maskCardNumbers(url.slice(0, q + 1) + cleaned + (hash < 0 ? '' : url.slice(hash)))
  }
}

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '')
}

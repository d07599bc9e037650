// The Sentry protocol, as far as crashlog needs it: DSN keys, envelopes and the event
// payload, mapped onto crashlog's own event so the rest of the pipeline (scrubbing,
// grouping, limits, group commit) is the same as for POST /log-error.

import {AppError, ValidationError} from '../../errors.js'
import type {IngestLimits} from '../../schemas/log-error.js'
import type {ErrorEvent, Level, StackFrame} from '../../store/types.js'
import {newId} from '../ids.js'
import {isInApp} from './stack.js'
import {sanitizeObject, sanitizeTags, stripControl, stripControlOneLine} from './sanitize.js'

export interface EnvelopeItem {
  type: string
  payload: Buffer
}

export interface Envelope {
  header: Record<string, unknown>
  items: EnvelopeItem[]
}

const MAX_ITEMS = 100

function malformed(message: string): AppError {
  return new AppError(400, 'invalid_envelope', `invalid envelope: ${message}`)
}

function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw malformed(`${what} is not valid JSON`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformed(`${what} must be a JSON object`)
  return value as Record<string, unknown>
}

/**
 * Envelope: a header line, then items — an item-header line and a payload of exactly
 * `length` bytes when given, else up to the next newline.
 */
export function parseEnvelope(body: Buffer): Envelope {
  let pos = 0
  const readLine = (): Buffer | null => {
    if (pos >= body.length) return null
    const nl = body.indexOf(0x0a, pos)
    const end = nl < 0 ? body.length : nl
    const line = body.subarray(pos, end)
    pos = nl < 0 ? body.length : nl + 1
    return line
  }
  const headerLine = readLine()
  if (!headerLine || headerLine.length === 0) throw malformed('missing header line')
  const header = parseJsonObject(headerLine, 'envelope header')
  const items: EnvelopeItem[] = []
  for (;;) {
    // Blank lines between items are tolerated.
    while (pos < body.length && (body[pos] === 0x0a || body[pos] === 0x0d)) pos++
    const itemHeaderLine = readLine()
    if (!itemHeaderLine) break
    const itemHeader = parseJsonObject(itemHeaderLine, `item ${items.length} header`)
    if (typeof itemHeader.type !== 'string' || !itemHeader.type) throw malformed(`item ${items.length} has no type`)
    let payload: Buffer
    if (itemHeader.length !== undefined && itemHeader.length !== null) {
      const length = itemHeader.length
      if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) throw malformed(`item ${items.length} has an invalid length`)
      if (pos + length > body.length) throw malformed(`item ${items.length} is shorter than its length ${length}`)
      payload = body.subarray(pos, pos + length)
      pos += length
      // The payload may be followed by a newline.
      if (body[pos] === 0x0a) pos++
    } else {
      payload = readLine() ?? Buffer.alloc(0)
    }
    items.push({type: itemHeader.type, payload})
    if (items.length > MAX_ITEMS) throw malformed(`more than ${MAX_ITEMS} items`)
  }
  return {header, items}
}

/** The public key from `Sentry sentry_key=…, sentry_version=7, …`. */
export function keyFromAuthHeader(header: string | undefined): string | undefined {
  if (!header) return undefined
  const m = /(?:^|[\s,])sentry_key\s*=\s*([^,\s]+)/.exec(header)
  return m?.[1]
}

/** The key and project id from a DSN `http(s)://<key>@host/<projectId>`. */
export function parseDsn(dsn: unknown): {key: string; projectId: string} | undefined {
  if (typeof dsn !== 'string') return undefined
  try {
    const url = new URL(dsn)
    const projectId = url.pathname.split('/').filter(Boolean).at(-1)
    if (!url.username || !projectId) return undefined
    return {key: decodeURIComponent(url.username), projectId}
  } catch {
    return undefined
  }
}

export function dsnFor(publicUrl: string, apiKey: string, projectId: number): string {
  const url = new URL(publicUrl)
  url.username = apiKey
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${projectId}`
  return url.toString()
}

const LEVEL_MAP: Record<string, Level> = {fatal: 'fatal', error: 'error', warning: 'warning', warn: 'warning', info: 'info', log: 'info', debug: 'debug'}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)

function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  let cut = text.slice(0, maxBytes)
  while (Buffer.byteLength(cut) > maxBytes - 3) cut = cut.slice(0, -1)
  return cut + '…'
}

function sentryTimestamp(value: unknown, fallback: Date): Date {
  let date: Date | undefined
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value * 1000)
  else if (typeof value === 'string') date = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value)
  return date && !Number.isNaN(date.getTime()) && Math.abs(date.getTime()) < 8.64e15 ? date : fallback
}

function sentryFrames(exception: Record<string, unknown> | undefined): StackFrame[] {
  const frames = obj(exception?.stacktrace)?.frames
  if (!Array.isArray(frames)) return []
  // Sentry lists frames outermost first; crashlog keeps the innermost first.
  return frames
    .slice(-200)
    .reverse()
    .map((raw): StackFrame | null => {
      const f = obj(raw)
      if (!f) return null
      const file = str(f.abs_path) ?? str(f.filename) ?? str(f.module)
      const frame: StackFrame = {inApp: typeof f.in_app === 'boolean' ? f.in_app : isInApp(file)}
      const fn = str(f.function)
      if (fn) frame.function = stripControlOneLine(fn).slice(0, 256)
      if (file) frame.file = stripControlOneLine(file).slice(0, 1024)
      if (typeof f.lineno === 'number') frame.line = f.lineno
      if (typeof f.colno === 'number') frame.column = f.colno
      return frame
    })
    .filter((f): f is StackFrame => f !== null)
}

function renderStack(type: string, message: string, frames: StackFrame[]): string | undefined {
  if (frames.length === 0) return undefined
  const lines = frames.map((f) => `    at ${f.function ?? '<anonymous>'} (${[f.file ?? '<unknown>', f.line, f.column].filter((x) => x !== undefined).join(':')})`)
  return [`${type}: ${message}`, ...lines].join('\n')
}

function sentryTags(value: unknown, limits: IngestLimits): Record<string, string> {
  const pairs: Array<[string, string]> = []
  if (Array.isArray(value)) {
    for (const p of value) if (Array.isArray(p) && p.length === 2 && str(p[0]) !== undefined && str(p[1]) !== undefined) pairs.push([str(p[0])!, str(p[1])!])
  } else if (obj(value)) {
    for (const [k, v] of Object.entries(obj(value)!)) if (str(v) !== undefined) pairs.push([k, str(v)!])
  }
  const tags: Record<string, string> = {}
  for (const [k, v] of pairs.slice(0, limits.maxTags)) {
    if (!k) continue
    tags[k.slice(0, limits.tagKeyLength)] = v.slice(0, limits.tagValueLength)
  }
  return sanitizeTags(tags)
}

const EVENT_ID = /^[0-9a-f]{32}$/

/**
 * A Sentry event payload as a crashlog event (before scrubbing and grouping).
 * SDKs cannot act on a 400 for one oversized field, so limits truncate here instead
 * of rejecting.
 */
export function mapSentryEvent(projectId: number, payload: unknown, limits: IngestLimits, receivedAt: Date): ErrorEvent {
  const e = obj(payload)
  if (!e) throw new ValidationError('invalid event: must be a JSON object', [{path: 'event', message: 'must be an object'}])
  const rawValues = obj(e.exception)?.values ?? e.exception
  const values = Array.isArray(rawValues) ? rawValues.map(obj).filter((v): v is Record<string, unknown> => v !== undefined) : []
  // The last exception value is the one that was thrown; earlier ones are its causes.
  const thrown = values.at(-1)
  const logentry = obj(e.logentry)
  const messageField = typeof e.message === 'string' ? e.message : str(obj(e.message)?.formatted) ?? str(obj(e.message)?.message)
  const logMessage = str(logentry?.formatted) ?? str(logentry?.message)
  // captureMessage may arrive as a synthetic exception without a type: still a message.
  const type = stripControlOneLine(str(thrown?.type) ?? (messageField ?? logMessage ? 'Message' : 'Error')).slice(0, 200) || 'Error'
  const message = truncateBytes(stripControl(str(thrown?.value) ?? messageField ?? logMessage ?? '(no message)'), limits.messageBytes) || '(no message)'
  const frames = sentryFrames(thrown)
  const rawId = str(e.event_id)?.toLowerCase().replace(/-/g, '')
  const contexts = obj(e.contexts)
  const request = obj(e.request)
  const user = obj(e.user)
  const sdk = obj(e.sdk)
  const event: ErrorEvent = {
    id: rawId && EVENT_ID.test(rawId) ? rawId : newId(),
    projectId,
    issueId: '',
    fingerprint: '',
    receivedAt,
    timestamp: sentryTimestamp(e.timestamp, receivedAt),
    level: LEVEL_MAP[str(e.level) ?? ''] ?? (type === 'Message' ? 'info' : 'error'),
    type,
    message,
    frames,
    tags: sentryTags(e.tags, limits),
  }
  const stack = renderStack(type, message, frames)
  if (stack) event.stack = truncateBytes(stack, limits.stackBytes)
  const oneLine = (v: unknown, max: number) => (str(v) === undefined ? undefined : stripControlOneLine(str(v)!).slice(0, max))
  const environment = oneLine(e.environment, 200)
  const release = oneLine(e.release, 200)
  const platform = oneLine(e.platform, 64)
  const url = oneLine(request?.url, 2048)
  if (environment) event.environment = environment
  if (release) event.release = release
  if (platform) event.platform = platform
  if (url) event.url = url
  for (const key of ['browser', 'os'] as const) {
    const c = obj(contexts?.[key])
    if (c && (str(c.name) || str(c.version))) {
      event[key] = {...(str(c.name) ? {name: str(c.name)!.slice(0, 100)} : {}), ...(str(c.version) ? {version: str(c.version)!.slice(0, 100)} : {})}
    }
  }
  if (user) event.user = sanitizeObject(user)
  if (sdk) event.sdk = sanitizeObject({name: str(sdk.name), version: str(sdk.version)})
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(contexts ?? {})) if (k !== 'browser' && k !== 'os') rest[k] = v
  if (obj(e.extra)) rest.extra = e.extra
  if (request) rest.request = request
  if (Object.keys(rest).length) event.contexts = sanitizeObject(rest)
  const fingerprint = Array.isArray(e.fingerprint) ? e.fingerprint.filter((f): f is string => typeof f === 'string') : []
  // "{{ default }}" alone means Sentry's own grouping, i.e. crashlog's.
  if (fingerprint.length && !(fingerprint.length === 1 && fingerprint[0] === '{{ default }}')) {
    event.fingerprint = stripControlOneLine(fingerprint.join('\u241f')).slice(0, 2000)
  }
  return event
}

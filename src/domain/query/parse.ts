// The one search language, understood by the API, the CLI and the dashboard:
//   type:TypeError level:error checkout:"step 2" is:unresolved cannot read
// Known keys filter fields, any other key:value matches a tag, the remaining words
// are free text. Everything produced is a plain string, so nothing in `q` can become
// a database operator.

import {ValidationError} from '../../errors.js'
import {safeKey} from '../ingest/sanitize.js'
import {LEVELS} from '../../schemas/log-error.js'
import type {EventFilter, IssueFilter, TagMatch} from '../../store/query-types.js'
import type {IssueStatus, Level} from '../../store/types.js'

export const MAX_QUERY_LENGTH = 1000
const MAX_TOKENS = 30
const MAX_VALUE_LENGTH = 256

const FIELD_KEYS = ['type', 'level', 'environment', 'release', 'browser', 'os', 'url', 'user', 'issue'] as const
type FieldKey = (typeof FIELD_KEYS)[number]
const ALIASES: Record<string, FieldKey> = {env: 'environment'}
const STATUSES: IssueStatus[] = ['unresolved', 'resolved', 'ignored']

export interface ParsedQuery {
  fields: Partial<Record<FieldKey, string[]>>
  tags: TagMatch[]
  text: string[]
  status: IssueStatus[]
}

interface Token {
  key?: string
  value: string
}

function invalid(message: string, parameter = 'q'): ValidationError {
  return new ValidationError(`invalid ${parameter}: ${message}`, [{path: parameter, message}])
}

/** Splits on spaces, keeping "quoted phrases" and key:"quoted values" together. */
export function tokenize(q: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i])) i++
    if (i >= q.length) break
    let key: string | undefined
    const keyMatch = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,63}):(?=\S)/.exec(q.slice(i))
    if (keyMatch) {
      key = keyMatch[1]
      i += keyMatch[0].length
    }
    let value: string
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1)
      if (end < 0) throw invalid('unclosed quote')
      value = q.slice(i + 1, end)
      i = end + 1
    } else {
      const start = i
      while (i < q.length && !/\s/.test(q[i])) i++
      value = q.slice(start, i)
    }
    if (value.length > MAX_VALUE_LENGTH) throw invalid(`a value is longer than ${MAX_VALUE_LENGTH} characters`)
    if (value !== '' || key) tokens.push(key ? {key, value} : {value})
  }
  return tokens
}

export function parseQuery(q: string | undefined): ParsedQuery {
  const parsed: ParsedQuery = {fields: {}, tags: [], text: [], status: []}
  if (!q) return parsed
  if (q.length > MAX_QUERY_LENGTH) throw invalid(`longer than ${MAX_QUERY_LENGTH} characters`)
  const tokens = tokenize(q)
  if (tokens.length > MAX_TOKENS) throw invalid(`more than ${MAX_TOKENS} terms`)
  for (const token of tokens) {
    if (token.key === undefined) {
      parsed.text.push(token.value)
      continue
    }
    const lower = token.key.toLowerCase()
    if (lower === 'is') {
      if (!STATUSES.includes(token.value as IssueStatus)) throw invalid(`is: must be one of ${STATUSES.join(', ')}`)
      parsed.status.push(token.value as IssueStatus)
      continue
    }
    const field = (FIELD_KEYS as readonly string[]).includes(lower) ? (lower as FieldKey) : Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : undefined
    if (field) {
      if (field === 'level' && !LEVELS.includes(token.value as Level)) throw invalid(`level: must be one of ${LEVELS.join(', ')}`)
      ;(parsed.fields[field] ??= []).push(token.value)
    } else {
      // Tag keys are stored as ingestion made them safe (os.name → os_name), so a
      // key is looked up the same way.
      parsed.tags.push({key: safeKey(token.key), value: token.value})
    }
  }
  return parsed
}

/** The event filter for a query; `is:` belongs to issues and is refused here. */
export function eventFilter(projectId: number, parsed: ParsedQuery, range: {from?: Date; to?: Date} = {}): EventFilter {
  if (parsed.status.length > 0) throw invalid('is: filters issues, not errors (use the issues list)')
  const f = parsed.fields
  const filter: EventFilter = {projectId}
  if (f.issue) filter.issueId = f.issue
  if (f.type) filter.type = f.type
  if (f.level) filter.level = f.level as Level[]
  if (f.environment) filter.environment = f.environment
  if (f.release) filter.release = f.release
  if (f.browser) filter.browser = f.browser
  if (f.os) filter.os = f.os
  if (f.url) filter.url = f.url
  if (f.user) filter.user = f.user
  if (parsed.tags.length) filter.tags = parsed.tags
  if (parsed.text.length) filter.text = parsed.text
  if (range.from) filter.from = range.from
  if (range.to) filter.to = range.to
  return filter
}

/** The issue filter: status, type, level and free text apply; other fields filter events only. */
export function issueFilter(projectId: number, parsed: ParsedQuery, range: {from?: Date; to?: Date} = {}): IssueFilter {
  const f = parsed.fields
  const unsupported = Object.keys(f).filter((k) => k !== 'type' && k !== 'level')
  if (unsupported.length || parsed.tags.length) {
    const what = unsupported.length ? `${unsupported[0]}:` : `tag ${parsed.tags[0].key}:`
    throw invalid(`${what} filters errors, not issues; issues take is:, type:, level: and free text`)
  }
  const filter: IssueFilter = {projectId}
  if (parsed.status.length) filter.status = parsed.status
  if (f.type) filter.type = f.type
  if (f.level) filter.level = f.level as Level[]
  if (parsed.text.length) filter.text = parsed.text
  if (range.from) filter.from = range.from
  if (range.to) filter.to = range.to
  return filter
}

const RELATIVE = /^(\d{1,6})(s|m|h|d|w)$/
const UNIT_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/** ISO 8601, epoch milliseconds, or a relative time before `now` (15m, 24h, 7d). */
export function parseTime(raw: string, parameter: string, now = new Date()): Date {
  const value = raw.trim()
  const rel = RELATIVE.exec(value)
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2]])
  // Beyond ±8.64e15 ms a Date is invalid: such a time is refused, not passed on as NaN.
  const date = /^\d{1,16}$/.test(value)
    ? new Date(Number(value))
    : /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
      ? new Date(value)
      : undefined
  if (date && !Number.isNaN(date.getTime())) return date
  throw invalid('must be an ISO 8601 time, epoch milliseconds, or relative like 15m, 24h, 7d', parameter)
}

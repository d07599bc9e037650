// Reading errors and issues back: list, show, page, search, stats and export.
// Ownership is checked through ProjectService.get on every call.

import {NotFoundError, ValidationError} from '../../errors.js'
import type {EventCursor, EventFilter, EventJson, IssueSort, TimeBucket} from '../../store/query-types.js'
import type {ErrorEvent, Issue, IssueStatus, Store} from '../../store/types.js'
import type {Actor, ProjectService} from '../projects.js'
import {CursorCodec} from './cursor.js'
import {eventFilter, issueFilter, parseQuery, parseTime} from './parse.js'

export type PublicEvent = Omit<ErrorEvent, 'timestamp' | 'receivedAt'> & {timestamp: string; receivedAt: string}
export type PublicIssue = Omit<Issue, 'firstSeen' | 'lastSeen'> & {firstSeen: string; lastSeen: string}

export function publicEvent(e: ErrorEvent): PublicEvent {
  return {...e, timestamp: e.timestamp.toISOString(), receivedAt: e.receivedAt.toISOString()}
}

export function publicIssue(i: Issue): PublicIssue {
  return {...i, firstSeen: i.firstSeen.toISOString(), lastSeen: i.lastSeen.toISOString()}
}

/** Query parameters as they arrive (HTTP query string or CLI flags): strings or absent. */
export interface ListParams {
  q?: string
  from?: string
  to?: string
  limit?: string
  cursor?: string
  order?: string
}

export interface IssueListParams {
  q?: string
  status?: string
  sort?: string
  limit?: string
  cursor?: string
  from?: string
  to?: string
}

export interface StatsParams {
  q?: string
  from?: string
  to?: string
  interval?: string
}

export const MAX_PAGE = 200
export const DEFAULT_PAGE = 50
const EXPORT_PAGE = 1000
const INTERVALS = {minute: 60_000, hour: 3_600_000, day: 86_400_000} as const
const MAX_BUCKETS = 10_000
const STATUSES: IssueStatus[] = ['unresolved', 'resolved', 'ignored']
const SORTS: IssueSort[] = ['lastSeen', 'firstSeen', 'count']

function invalid(parameter: string, message: string): ValidationError {
  return new ValidationError(`invalid ${parameter}: ${message}`, [{path: parameter, message}])
}

export function parseLimit(raw: string | undefined, max = MAX_PAGE, fallback = DEFAULT_PAGE): number {
  if (raw === undefined || raw === '') return fallback
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw invalid('limit', `must be a whole number from 1 to ${max}`)
  return Number(raw)
}

function parseRange(params: {from?: string; to?: string}, now: Date): {from?: Date; to?: Date} {
  const range: {from?: Date; to?: Date} = {}
  if (params.from) range.from = parseTime(params.from, 'from', now)
  if (params.to) range.to = parseTime(params.to, 'to', now)
  if (range.from && range.to && range.from.getTime() >= range.to.getTime()) throw invalid('from', 'must be before to')
  return range
}

const isEventCursor = (p: unknown): p is [number, string] =>
  Array.isArray(p) && p.length === 2 && Number.isSafeInteger(p[0]) && typeof p[1] === 'string' && /^[0-9a-f]{1,64}$/.test(p[1])

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export class QueryService {
  private readonly cursors: CursorCodec

  constructor(
    private readonly store: Store,
    private readonly projects: ProjectService,
    cursorSecret: string,
  ) {
    this.cursors = new CursorCodec(cursorSecret)
  }

  /** Builds the event filter for a project the actor may see; throws 404 / 400. */
  async eventFilterFor(actor: Actor, projectId: number, params: {q?: string; from?: string; to?: string}, now = new Date()): Promise<EventFilter> {
    await this.projects.get(actor, projectId)
    return eventFilter(projectId, parseQuery(params.q), parseRange(params, now))
  }

  async listErrors(actor: Actor, projectId: number, params: ListParams): Promise<Page<ErrorEvent>> {
    const filter = await this.eventFilterFor(actor, projectId, params)
    return this.pageEvents(filter, params)
  }

  async pageEvents(filter: EventFilter, params: {limit?: string; cursor?: string; order?: string}): Promise<Page<ErrorEvent>> {
    const limit = parseLimit(params.limit)
    const order = params.order ?? 'desc'
    if (order !== 'desc' && order !== 'asc') throw invalid('order', 'must be desc or asc')
    const kind = `events:${order}`
    const after = params.cursor ? this.decodeEventCursor(kind, params.cursor) : undefined
    // One more than asked tells whether another page exists, without a count.
    const rows = await this.store.queryEvents(filter, {limit: limit + 1, order, after})
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    const nextCursor = rows.length > limit && last ? this.cursors.encode(kind, [last.timestamp.getTime(), last.id]) : null
    return {items, nextCursor}
  }

  async getError(actor: Actor, projectId: number, errorId: string): Promise<ErrorEvent> {
    await this.projects.get(actor, projectId)
    const event = /^[0-9a-f]{1,64}$/.test(errorId) ? await this.store.findEvent(projectId, errorId) : null
    if (!event) throw new NotFoundError(`no error "${errorId.slice(0, 64)}" in project ${projectId}`)
    return event
  }

  async listIssues(actor: Actor, projectId: number, params: IssueListParams): Promise<Page<Issue>> {
    await this.projects.get(actor, projectId)
    const parsed = parseQuery(params.q)
    if (params.status !== undefined) {
      if (!STATUSES.includes(params.status as IssueStatus)) throw invalid('status', `must be one of ${STATUSES.join(', ')}`)
      parsed.status.push(params.status as IssueStatus)
    }
    const filter = issueFilter(projectId, parsed, parseRange(params, new Date()))
    const sort = (params.sort ?? 'lastSeen') as IssueSort
    if (!SORTS.includes(sort)) throw invalid('sort', `must be one of ${SORTS.join(', ')}`)
    const limit = parseLimit(params.limit)
    const kind = `issues:${sort}`
    const after = params.cursor
      ? this.cursors.decode<[number, string]>(kind, params.cursor, isEventCursor)
      : undefined
    const rows = await this.store.queryIssues(filter, {limit: limit + 1, sort, after: after ? {value: after[0], id: after[1]} : undefined})
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    const nextCursor = rows.length > limit && last ? this.cursors.encode(kind, [issueSortValue(last, sort), last.id]) : null
    return {items, nextCursor}
  }

  async getIssue(actor: Actor, projectId: number, issueId: string): Promise<Issue> {
    await this.projects.get(actor, projectId)
    const issue = /^[0-9a-f]{1,64}$/.test(issueId) ? await this.store.findIssue(projectId, issueId) : null
    if (!issue) throw new NotFoundError(`no issue "${issueId.slice(0, 64)}" in project ${projectId}`)
    return issue
  }

  async setIssueStatus(actor: Actor, projectId: number, issueId: string, status: unknown): Promise<Issue> {
    if (!STATUSES.includes(status as IssueStatus)) throw invalid('status', `must be one of ${STATUSES.join(', ')}`)
    await this.getIssue(actor, projectId, issueId)
    const updated = await this.store.setIssueStatus(projectId, issueId, status as IssueStatus)
    if (!updated) throw new NotFoundError(`no issue "${issueId}" in project ${projectId}`)
    return updated
  }

  async listIssueErrors(actor: Actor, projectId: number, issueId: string, params: ListParams): Promise<Page<ErrorEvent>> {
    await this.getIssue(actor, projectId, issueId)
    const filter = eventFilter(projectId, parseQuery(params.q), parseRange(params, new Date()))
    filter.issueId = [issueId]
    return this.pageEvents(filter, params)
  }

  /**
   * Event counts per interval. Without `q` they come from the per-minute counters kept
   * at write time (by time received); with `q`, from the matching events (by timestamp).
   */
  async stats(actor: Actor, projectId: number, params: StatsParams, now = new Date()): Promise<{buckets: TimeBucket[]; total: number; interval: string}> {
    await this.projects.get(actor, projectId)
    const range = parseRange(params, now)
    const to = range.to ?? now
    const from = range.from ?? new Date(to.getTime() - 86_400_000)
    const span = to.getTime() - from.getTime()
    const interval = (params.interval ?? (span <= 2 * 3_600_000 ? 'minute' : span <= 8 * 86_400_000 ? 'hour' : 'day')) as keyof typeof INTERVALS
    if (!Object.hasOwn(INTERVALS, interval)) throw invalid('interval', 'must be minute, hour or day')
    const bucketMs = INTERVALS[interval]
    // Buckets align to whole intervals (UTC) so charts line up across requests.
    const start = new Date(Math.floor(from.getTime() / bucketMs) * bucketMs)
    if ((to.getTime() - start.getTime()) / bucketMs > MAX_BUCKETS) throw invalid('interval', `more than ${MAX_BUCKETS} buckets in this range; pick a larger interval`)
    const parsed = parseQuery(params.q)
    // Built even when the counters answer: it refuses what errors cannot be filtered by (is:).
    const filter = eventFilter(projectId, parsed, {from, to})
    const hasFilter = Object.keys(parsed.fields).length > 0 || parsed.tags.length > 0 || parsed.text.length > 0
    const counts = hasFilter
      ? await this.store.countEventsByBucket(filter, bucketMs, start, to)
      : await this.store.countEventsByInterval(projectId, bucketMs, from, to)
    // Dense buckets: empty intervals are explicit zeros, which is what a chart needs.
    const map = new Map(counts.map((b) => [b.start.getTime(), b.count]))
    const buckets: TimeBucket[] = []
    let total = 0
    for (let t = start.getTime(); t < to.getTime(); t += bucketMs) {
      const count = map.get(t) ?? 0
      total += count
      buckets.push({start: new Date(t), count})
    }
    return {buckets, total, interval}
  }

  /**
   * Every matching event in list order, page by page so memory stays flat. Pages,
   * not rows: a yield per row cost ~5 % of an export's CPU.
   */
  async *exportErrors(filter: EventFilter, order: 'desc' | 'asc' = 'desc'): AsyncGenerator<EventJson[]> {
    let after: EventCursor | undefined
    for (;;) {
      // As JSON text: an export writes what the store holds, without parsing each row.
      const rows = await this.store.queryEventsJson(filter, {limit: EXPORT_PAGE, order, after})
      if (rows.length > 0) yield rows
      if (rows.length < EXPORT_PAGE) return
      const last = rows[rows.length - 1]
      after = {timestamp: last.timestamp, id: last.id}
    }
  }

  /**
   * New matching events as they arrive, until `signal` aborts. Follows by time
   * received, so errors with old client timestamps still show up; events received in
   * the same millisecond as the last one seen are re-read and de-duplicated by id.
   */
  async *follow(filter: EventFilter, options: {intervalMs: number; signal: AbortSignal; since?: Date}): AsyncGenerator<ErrorEvent> {
    let since = options.since ?? new Date()
    let seenAtSince = new Set<string>()
    while (!options.signal.aborted) {
      const batch: ErrorEvent[] = []
      let after: EventCursor | undefined
      for (;;) {
        const rows = await this.store.queryEvents({...filter, receivedAfter: new Date(since.getTime() - 1)}, {limit: EXPORT_PAGE, order: 'asc', after})
        batch.push(...rows)
        if (rows.length < EXPORT_PAGE) break
        const last = rows[rows.length - 1]
        after = {timestamp: last.timestamp, id: last.id}
      }
      batch.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.timestamp.getTime() - b.timestamp.getTime())
      for (const e of batch) {
        if (seenAtSince.has(e.id)) continue
        if (e.receivedAt.getTime() > since.getTime()) {
          since = e.receivedAt
          seenAtSince = new Set()
        }
        seenAtSince.add(e.id)
        yield e
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs)
        options.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        }, {once: true})
      })
    }
  }

  private decodeEventCursor(kind: string, cursor: string): EventCursor {
    const [t, id] = this.cursors.decode<[number, string]>(kind, cursor, isEventCursor)
    return {timestamp: new Date(t), id}
  }
}

function issueSortValue(issue: Issue, sort: IssueSort): number {
  return sort === 'count' ? issue.count : sort === 'firstSeen' ? issue.firstSeen.getTime() : issue.lastSeen.getTime()
}


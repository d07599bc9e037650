// Filtered, keyset-paginated reads of events and issues for the MongoDB engine.
//
// Queries are built here, from the plain strings, numbers and Dates of the filter
// types only: no object a caller passes is ever spliced into a query, so no operator
// can get in. Strings used in regular expressions are escaped; tag keys are encoded
// with the field codec, exactly as insertEvents stored them.
//
// Sorting and the keyset conditions follow the indexes made in mongo-store.ts
// ({projectId, timestamp, _id}, {projectId, type|issueId, timestamp, _id}); MongoDB
// merges the ranges of an $in on an index prefix, so several types stay sorted
// without a blocking sort. FerretDB 1.24 (SQLite backend) pushes down none of these
// filters: there every query reads the project's events (see the report in
// bench/queries-probe.ts for numbers).

import type {Collection, Document, Filter} from 'mongodb'
import type {EventFilter, EventPageRequest, IssueFilter, IssuePageRequest, TimeBucket} from '../query-types.js'
import {encodeFieldName} from './field-codec.js'

/** A regular expression source matching `text` literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** Case-insensitive substring match of `text`, as a query value. */
function contains(text: string): {$regex: string; $options: string} {
  return {$regex: escapeRegex(text), $options: 'i'}
}

function nonEmpty<T>(values: readonly T[] | undefined): values is readonly T[] {
  return values !== undefined && values.length > 0
}

/** Fresh copies of plain strings: nothing of the caller's array reaches the driver. */
function strings(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => String(v)))]
}

/**
 * A tag condition with an empty key matches no event, on both engines: a MongoDB
 * field path cannot name an empty key, so neither engine searches for one.
 */
export function matchesNothing(filter: EventFilter): boolean {
  return (filter.tags ?? []).some((tag) => tag.key === '')
}

function words(text: readonly string[] | undefined): string[] {
  return (text ?? []).map((w) => String(w)).filter((w) => w !== '')
}

/** A user id may have been stored as an integer (Sentry allows it): "42" matches 42 too. */
function userIdValues(values: string[]): (string | number)[] {
  const out: (string | number)[] = [...values]
  for (const v of values) {
    const n = Number(v)
    if (Number.isSafeInteger(n) && String(n) === v) out.push(n)
  }
  return out
}

/** The MongoDB filter for the events an EventFilter describes, without paging. */
export function eventFilterQuery(filter: EventFilter): Filter<Document> {
  const query: Document = {projectId: Number(filter.projectId)}
  const and: Document[] = []
  const inList = (path: string, values: readonly string[] | undefined): void => {
    if (nonEmpty(values)) query[path] = {$in: strings(values)}
  }
  inList('issueId', filter.issueId)
  inList('type', filter.type)
  inList('level', filter.level)
  inList('environment', filter.environment)
  inList('release', filter.release)
  inList('browser.name', filter.browser)
  inList('os.name', filter.os)
  if (nonEmpty(filter.user)) {
    const users = strings(filter.user)
    and.push({
      $or: [{'user.id': {$in: userIdValues(users)}}, {'user.email': {$in: users}}, {'user.username': {$in: users}}],
    })
  }
  if (nonEmpty(filter.url)) and.push({$or: strings(filter.url).map((u) => ({url: contains(u)}))})
  for (const tag of filter.tags ?? []) {
    // An empty key never matches (see matchesNothing); a path cannot end in an empty name.
    const key = String(tag.key)
    if (key !== '') and.push({[`tags.${encodeFieldName(key)}`]: String(tag.value)})
  }
  for (const word of words(filter.text)) and.push({$or: [{message: contains(word)}, {type: contains(word)}]})
  const timestamp: Document = {}
  if (filter.from !== undefined) timestamp.$gte = new Date(filter.from.getTime())
  if (filter.to !== undefined) timestamp.$lt = new Date(filter.to.getTime())
  if (Object.keys(timestamp).length > 0) query.timestamp = timestamp
  if (filter.receivedAfter !== undefined) query.receivedAt = {$gt: new Date(filter.receivedAfter.getTime())}
  if (and.length > 0) query.$and = and
  return query
}

export async function findEventDocs<T extends Document>(
  errors: Collection<T>,
  filter: EventFilter,
  page: EventPageRequest,
): Promise<T[]> {
  const limit = Math.max(0, Math.floor(page.limit))
  // limit(0) means "no limit" to MongoDB; the contract means "nothing".
  if (limit === 0 || matchesNothing(filter)) return []
  const query = eventFilterQuery(filter)
  const dir = page.order === 'desc' ? -1 : 1
  if (page.after !== undefined) {
    const op = page.order === 'desc' ? '$lt' : '$gt'
    const ts = new Date(page.after.timestamp.getTime())
    const id = String(page.after.id)
    // The plain bound keeps the index range tight; the $or orders ties by _id.
    query.timestamp = {...(query.timestamp as Document | undefined), [`${op}e`]: ts}
    query.$and = [
      ...((query.$and as Document[] | undefined) ?? []),
      {$or: [{timestamp: {[op]: ts}}, {timestamp: ts, _id: {[op]: id}}]},
    ]
  }
  return (await errors
    .find(query as Filter<T>)
    .sort({timestamp: dir, _id: dir})
    .limit(limit)
    .toArray()) as T[]
}

export async function countEventDocsByBucket<T extends Document>(
  errors: Collection<T>,
  filter: EventFilter,
  bucketMs: number,
  from: Date,
  to: Date,
): Promise<TimeBucket[]> {
  const size = Math.floor(bucketMs)
  if (!(size > 0)) throw new RangeError('bucketMs must be a positive number of milliseconds')
  const start = from.getTime()
  let low = start
  let high = to.getTime()
  if (filter.from !== undefined) low = Math.max(low, filter.from.getTime())
  if (filter.to !== undefined) high = Math.min(high, filter.to.getTime())
  if (low >= high || matchesNothing(filter)) return []
  const query = eventFilterQuery(filter)
  query.timestamp = {$gte: new Date(low), $lt: new Date(high)}
  // FerretDB 1.24 has no arithmetic in aggregations ($subtract, $floor): the
  // buckets are counted here from the timestamps alone.
  const counts = new Map<number, number>()
  const cursor = errors.find(query as Filter<T>, {projection: {_id: 0, timestamp: 1}, batchSize: 10_000})
  for await (const doc of cursor) {
    const k = Math.floor(((doc as unknown as {timestamp: Date}).timestamp.getTime() - start) / size)
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([k, count]) => ({start: new Date(start + k * size), count}))
}

const ISSUE_SORT_FIELD = {lastSeen: 'lastSeen', firstSeen: 'firstSeen', count: 'count'} as const

export async function findIssueDocs<T extends Document>(
  issues: Collection<T>,
  filter: IssueFilter,
  page: IssuePageRequest,
): Promise<T[]> {
  const limit = Math.max(0, Math.floor(page.limit))
  if (limit === 0) return []
  const field = ISSUE_SORT_FIELD[page.sort]
  if (field === undefined) throw new RangeError(`unknown issue sort: ${String(page.sort)}`)
  const query: Document = {projectId: Number(filter.projectId)}
  const and: Document[] = []
  if (nonEmpty(filter.status)) query.status = {$in: strings(filter.status)}
  if (nonEmpty(filter.type)) query.type = {$in: strings(filter.type)}
  if (nonEmpty(filter.level)) query.level = {$in: strings(filter.level)}
  for (const word of words(filter.text)) and.push({$or: [{message: contains(word)}, {type: contains(word)}]})
  if (filter.from !== undefined) query.lastSeen = {$gte: new Date(filter.from.getTime())}
  if (filter.to !== undefined) query.firstSeen = {$lt: new Date(filter.to.getTime())}
  if (page.after !== undefined) {
    const value = field === 'count' ? Number(page.after.value) : new Date(Number(page.after.value))
    const id = String(page.after.id)
    query[field] = {...(query[field] as Document | undefined), $lte: value}
    and.push({$or: [{[field]: {$lt: value}}, {[field]: value, _id: {$lt: id}}]})
  }
  if (and.length > 0) query.$and = and
  return (await issues
    .find(query as Filter<T>)
    .sort({[field]: -1, _id: -1})
    .limit(limit)
    .toArray()) as T[]
}

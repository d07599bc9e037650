// What the retrieval API asks of a store. Every value here is a plain string, number
// or Date by the time it reaches an engine: the query parser (src/domain/query)
// produces nothing else, so no operator can be smuggled in through `q`.

import type {IssueStatus, Level} from './types.js'

export interface TagMatch {
  key: string
  value: string
}

/**
 * Events of one project. Within one field several values mean "any of them";
 * different fields (and several tags, several words) must all match.
 */
export interface EventFilter {
  projectId: number
  issueId?: string[]
  type?: string[]
  level?: Level[]
  environment?: string[]
  release?: string[]
  /** browser.name, exact. */
  browser?: string[]
  /** os.name, exact. */
  os?: string[]
  /** Case-insensitive substring of url. */
  url?: string[]
  /** user.id, user.email or user.username, exact. */
  user?: string[]
  tags?: TagMatch[]
  /** Each word a case-insensitive substring of message or type. */
  text?: string[]
  /** timestamp >= from */
  from?: Date
  /** timestamp < to */
  to?: Date
  /** receivedAt > receivedAfter (for following new events). */
  receivedAfter?: Date
}

/** Keyset position: the last row of the previous page. */
export interface EventCursor {
  timestamp: Date
  id: string
}

/**
 * One event as the JSON text the API returns for it (JSON.stringify of the event:
 * dates as ISO strings), with its keyset position. Exports stream these as they are.
 */
export interface EventJson {
  timestamp: Date
  id: string
  json: string
}

export interface EventPageRequest {
  limit: number
  order: 'desc' | 'asc'
  after?: EventCursor
}

export type IssueSort = 'lastSeen' | 'firstSeen' | 'count'

export interface IssueFilter {
  projectId: number
  status?: IssueStatus[]
  type?: string[]
  level?: Level[]
  /** Each word a case-insensitive substring of message or type. */
  text?: string[]
  /** lastSeen >= from */
  from?: Date
  /** firstSeen < to */
  to?: Date
}

export interface IssueCursor {
  /** The sort field's value of the last row: epoch ms for dates, the count for count. */
  value: number
  id: string
}

export interface IssuePageRequest {
  limit: number
  sort: IssueSort
  /** Always descending: newest / most frequent first. */
  after?: IssueCursor
}

export interface TimeBucket {
  start: Date
  count: number
}

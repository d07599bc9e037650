import type {RateLimiterAbstract} from 'rate-limiter-flexible'
import type {EventFilter, EventJson, EventPageRequest, IssueFilter, IssuePageRequest, TimeBucket} from './query-types.js'

// The one storage contract. Both engines (src/store/sqlite, src/store/mongo)
// implement it and are checked by the same contract suite (test/contract).
// Field names are the API's; each engine maps them to its own layout.

export type Role = 'admin' | 'member'

export interface User {
  id: string
  name: string
  email: string
  passwordHash: string
  role: Role
  createdAt: Date
  updatedAt: Date
}

export interface NewUser {
  name: string
  /** Already lower-cased by the domain layer. */
  email: string
  passwordHash: string
  role: Role
}

export interface Project {
  /** Positive integer from a counter: it appears in Sentry DSNs. */
  id: number
  ownerId: string
  name: string
  description: string
  slug: string
  keyHash: string
  keyPrefix: string
  /** Events per minute; null means the instance default. */
  rateLimit: number | null
  createdAt: Date
  updatedAt: Date
  keyRotatedAt: Date
}

export interface NewProject {
  ownerId: string
  name: string
  description: string
  slug: string
  keyHash: string
  keyPrefix: string
}

export interface ProjectPatch {
  name?: string
  description?: string
  slug?: string
  rateLimit?: number | null
}

export interface NameVersion {
  name?: string
  version?: string
}

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug'

export interface StackFrame {
  function?: string
  file?: string
  line?: number
  column?: number
  /** False for runtime internals and dependencies: they do not decide grouping. */
  inApp: boolean
}

/** One reported error, as stored. */
export interface ErrorEvent {
  id: string
  projectId: number
  /** Derived from (projectId, fingerprint): every writer computes the same id. */
  issueId: string
  fingerprint: string
  receivedAt: Date
  timestamp: Date
  level: Level
  type: string
  message: string
  stack?: string
  /** Innermost first. */
  frames: StackFrame[]
  tags: Record<string, string>
  environment?: string
  release?: string
  platform?: string
  url?: string
  browser?: NameVersion
  os?: NameVersion
  client?: Record<string, unknown>
  user?: Record<string, unknown>
  sdk?: Record<string, unknown>
  /** Further context objects (Sentry `contexts`, `extra`, `request`). */
  contexts?: Record<string, unknown>
}

export type IssueStatus = 'unresolved' | 'resolved' | 'ignored'

/** Events grouped by fingerprint; totals are kept at write time. */
export interface Issue {
  id: string
  projectId: number
  fingerprint: string
  /** From the first event. */
  type: string
  message: string
  /** From the latest event. */
  level: Level
  status: IssueStatus
  count: number
  firstSeen: Date
  lastSeen: Date
}

export interface MinuteCount {
  /** Start of the minute (UTC). */
  minute: Date
  count: number
}

export interface RateLimiterOptions {
  keyPrefix: string
  points: number
  durationSeconds: number
}

export interface EventListOptions {
  limit: number
}

/** Thrown by a store when a unique constraint is violated; `field` names it. */
export class DuplicateKeyError extends Error {
  constructor(readonly field: string) {
    super(`duplicate ${field}`)
    this.name = 'DuplicateKeyError'
  }
}

/** Thrown by a store when its database cannot be reached. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}

export interface Store {
  readonly engine: 'sqlite' | 'mongodb'
  /** The database URL with any password removed, for logs and messages. */
  readonly displayUrl: string

  /** Creates or migrates the schema / indexes. Idempotent. */
  init(): Promise<void>
  /** Resolves when the database answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>
  close(): Promise<void>

  createUser(user: NewUser): Promise<User>
  findUserById(id: string): Promise<User | null>
  findUserByEmail(email: string): Promise<User | null>
  listUsers(): Promise<User[]>
  countUsers(): Promise<number>

  createProject(project: NewProject): Promise<Project>
  findProjectById(id: number): Promise<Project | null>
  findProjectBySlug(slug: string): Promise<Project | null>
  findProjectByKeyHash(keyHash: string): Promise<Project | null>
  /** Ordered by id ascending. */
  listProjects(filter?: {ownerId?: string}): Promise<Project[]>
  updateProject(id: number, patch: ProjectPatch): Promise<Project | null>
  rotateProjectKey(id: number, keyHash: string, keyPrefix: string): Promise<Project | null>
  /** Removes the project with its events and issues. False when it did not exist. */
  deleteProject(id: number): Promise<boolean>

  /**
   * Writes all events durably (one SQLite transaction / one MongoDB bulk write per
   * call) and, with them, upserts their issues — count += n, firstSeen = min,
   * lastSeen = max, level = the latest event's, a resolved issue reopens — and the
   * per-minute event counters of their projects. Safe under concurrent writers
   * (unique (projectId, fingerprint) plus upserts). An event whose id is already
   * stored is skipped and not counted: a resent Sentry event_id is stored once.
   */
  insertEvents(events: ErrorEvent[]): Promise<void>
  findEvent(projectId: number, id: string): Promise<ErrorEvent | null>
  /** Newest first (timestamp, then id). */
  listEvents(projectId: number, options: EventListOptions): Promise<ErrorEvent[]>
  countEvents(projectId: number): Promise<number>
  /** Deletes up to `limit` events received before `cutoff` (any project); returns how many. Issues and counters keep their totals. */
  deleteEventsBefore(cutoff: Date, limit: number): Promise<number>

  findIssue(projectId: number, issueId: string): Promise<Issue | null>
  /** Most recently seen first. */
  listIssues(projectId: number, options: EventListOptions): Promise<Issue[]>
  setIssueStatus(projectId: number, issueId: string, status: IssueStatus): Promise<Issue | null>
  /** Per-minute event counts kept at write time, for minutes in [from, to). Minutes without events are absent. */
  countEventsByMinute(projectId: number, from: Date, to: Date): Promise<MinuteCount[]>
  /**
   * The same counters summed per interval of bucketMs, aligned to whole intervals
   * since the epoch (UTC): counted in the database, so a week by hour reads 168
   * rows, not 10,080. Ascending; empty intervals are absent.
   */
  countEventsByInterval(projectId: number, bucketMs: number, from: Date, to: Date): Promise<TimeBucket[]>

  /**
   * Events of filter.projectId matching every given field (see EventFilter), ordered
   * by (timestamp, id) in page.order. Keyset pagination: with page.after, only rows
   * strictly after that row in the order. At most page.limit rows; a deep page costs
   * what the first one does.
   */
  queryEvents(filter: EventFilter, page: EventPageRequest): Promise<ErrorEvent[]>
  /** queryEvents' rows as JSON text (see EventJson), for exports: no parse and re-stringify per row. */
  queryEventsJson(filter: EventFilter, page: EventPageRequest): Promise<EventJson[]>
  /**
   * Issues matching the filter, by page.sort descending (lastSeen, firstSeen or
   * count), ties by id descending; page.after is the last row's {value, id}.
   */
  queryIssues(filter: IssueFilter, page: IssuePageRequest): Promise<Issue[]>
  /**
   * Matching events per bucket of bucketMs by `timestamp`: bucket k starts at
   * from + k * bucketMs, within [from, to). Ascending; empty buckets are absent.
   * Counted from the events themselves (unlike countEventsByMinute's counters).
   */
  countEventsByBucket(filter: EventFilter, bucketMs: number, from: Date, to: Date): Promise<TimeBucket[]>

  /** A limiter whose counters every instance on this database shares (MongoDB), or in memory (SQLite). */
  createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract

  getSetting(key: string): Promise<string | null>
  /** Stores value unless the key exists; returns the value that is stored now. */
  setSettingIfAbsent(key: string, value: string): Promise<string>
}

// The MongoDB engine. It must run unchanged on MongoDB 6+ and on FerretDB 1.24, so
// it sticks to CRUD, unique/compound indexes, findOneAndUpdate/upserts with simple
// operators, insertMany/bulkWrite and simple aggregations: no transactions, no TTL
// indexes, no $lookup.

import {randomUUID} from 'node:crypto'
import {
  MongoClient,
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter,
  type IndexDescription,
  type MongoClientOptions,
  type UpdateFilter,
} from 'mongodb'
import {RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract} from 'rate-limiter-flexible'
import {ConfigError} from '../../errors.js'
import {displayDbUrl, urlPassword} from '../display-url.js'
import {issueDeltas, minuteDeltas} from '../grouping.js'
import {countEventDocsByBucket, findEventDocs, findIssueDocs} from './event-queries.js'
import {decodeValue, encodeValue} from './field-codec.js'
import {
  DuplicateKeyError,
  StoreUnavailableError,
  type ErrorEvent,
  type EventListOptions,
  type Issue,
  type IssueStatus,
  type Level,
  type MinuteCount,
  type NewProject,
  type NewUser,
  type Project,
  type ProjectPatch,
  type RateLimiterOptions,
  type Store,
  type User,
} from '../types.js'
import type {EventFilter, EventJson, EventPageRequest, IssueFilter, IssuePageRequest, TimeBucket} from '../query-types.js'

interface UserDoc extends Omit<User, 'id'> {
  _id: string
}

interface ProjectDoc extends Omit<Project, 'id'> {
  _id: number
}

interface EventDoc extends Omit<ErrorEvent, 'id'> {
  _id: string
}

interface IssueDoc {
  _id: string
  projectId: number
  fingerprint: string
  type: string
  message: string
  level: Level
  status: IssueStatus
  count: number
  firstSeen: Date
  lastSeen: Date
}

/** One project's events received in one minute; _id is `${projectId}:${minute ms}`. */
interface MinuteCountDoc {
  _id: string
  projectId: number
  minute: Date
  count: number
}

interface SettingDoc {
  _id: string
  value: string
}

interface CounterDoc {
  _id: string
  seq: number
}

/**
 * How long an operation waits for a usable server (none known: stopped, refused,
 * unresolvable, no primary) before it fails — with nothing sent, so a 503 never
 * hides a write that happens later. An ingest gets its 503 in about 1 s; the driver
 * keeps monitoring (every 500 ms while operations wait) and the same client
 * reconnects by itself once the server is back.
 */
const SERVER_SELECTION_TIMEOUT_MS = 1000
/**
 * The backstop for a server that accepted the request and then went silent (a
 * frozen process, a network that drops packets): the driver 7 has no operation
 * timeout (timeoutMS has no effect any more), and socketTimeoutMS would also cut
 * slow but healthy queries everywhere, so the ingestion path (key lookup, event
 * write) and ping watch the server themselves: they fail once it has answered
 * none of this store's requests for this long. A busy server that
 * keeps answering other commands is not down: its slow writes are waited for (up
 * to OPERATION_MAX_MS), not turned into 503s that clients would resend. Longer
 * than the server selection timeout, so a stopped server is reported by the
 * driver, with its reason.
 */
export const OPERATION_DEADLINE_MS = 1250
/** Even a server that keeps answering other commands gets no longer than this for one of ours. */
const OPERATION_MAX_MS = 30_000
/** The shared rate limit counter is not worth holding an ingest up for: past this, the in-memory limiter answers. */
const RATE_LIMIT_WAIT_MS = 250

/**
 * Fail fast when the database is away: an ingest request gets its 503 in about
 * 1 s, and a CLI command does not hang. connectTimeoutMS bounds opening a
 * connection (TCP, TLS, authentication) and the monitor's heartbeat; it stays at
 * 2 s so a TLS + SCRAM handshake across regions does not fail spuriously.
 */
const CLIENT_OPTIONS: MongoClientOptions = {
  serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
  connectTimeoutMS: 2000,
  // Optional fields left undefined are omitted, not stored as null, so documents
  // read back exactly as they were written.
  ignoreUndefined: true,
  appName: 'crashlog',
  // The writable primary's heartbeats count as answers (see answered()): every
  // 500 ms (the driver's minimum), so a busy primary working through one long bulk
  // write is not mistaken for a silent one.
  heartbeatFrequencyMS: 500,
}

/** Named indexes: the names let a duplicate-key message be mapped back to a field. */
const INDEXES: Record<string, IndexDescription[]> = {
  users: [{key: {email: 1}, name: 'email_unique', unique: true}],
  projects: [
    {key: {slug: 1}, name: 'slug_unique', unique: true},
    {key: {keyHash: 1}, name: 'keyHash_unique', unique: true},
    {key: {ownerId: 1}, name: 'ownerId'},
  ],
  issues: [
    {key: {projectId: 1, fingerprint: 1}, name: 'projectId_fingerprint_unique', unique: true},
    {key: {projectId: 1, lastSeen: -1, _id: -1}, name: 'projectId_lastSeen_id'},
    // queryIssues' other sort orders (event-queries.ts).
    {key: {projectId: 1, firstSeen: -1, _id: -1}, name: 'projectId_firstSeen_id'},
    {key: {projectId: 1, count: -1, _id: -1}, name: 'projectId_count_id'},
  ],
  errors: [
    {key: {projectId: 1, timestamp: -1, _id: -1}, name: 'projectId_timestamp_id'},
    // queryEvents filtered by type or issue, still in (timestamp, _id) order (event-queries.ts).
    {key: {projectId: 1, type: 1, timestamp: -1, _id: -1}, name: 'projectId_type_timestamp_id'},
    {key: {projectId: 1, issueId: 1, timestamp: -1, _id: -1}, name: 'projectId_issueId_timestamp_id'},
    // Retention deletes by age (no TTL indexes on FerretDB).
    {key: {receivedAt: 1}, name: 'receivedAt'},
  ],
  event_counts: [{key: {projectId: 1, minute: 1}, name: 'projectId_minute'}],
  // rate-limiter-flexible's collection; its own index creation would add a TTL index.
  rate_limits: [{key: {key: 1}, name: 'key_unique', unique: true}],
}

const INDEX_FIELDS: Record<string, string> = {
  _id_: 'id',
  email_unique: 'email',
  slug_unique: 'slug',
  keyHash_unique: 'keyHash',
  projectId_fingerprint_unique: 'fingerprint',
}

/** Server error codes that mean "not now", not "never": the request may succeed later. */
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
])

const AUTH_CODES = new Set([13, 18]) // Unauthorized, AuthenticationFailed

/** The database name from the URL's path; `crashlog` when there is none. */
export function mongoDatabaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/i.exec(url)
  const raw = match?.[1] ?? ''
  const name = raw === '' ? 'crashlog' : decodeURIComponent(raw)
  return name
}

export class MongoStore implements Store {
  readonly engine = 'mongodb' as const
  readonly displayUrl: string

  private readonly client: MongoClient
  private readonly db: Db
  private readonly dbName: string
  private readonly password: string | null
  /**
   * FerretDB 1.24 applies $inc/$max/… as read-modify-write without isolation:
   * concurrent updates of one document lose increments (200 concurrent $inc of one
   * counter ended at 2). Against FerretDB, this process therefore sends its counter
   * updates one batch at a time. MongoDB applies them atomically and needs no queue.
   */
  private serializeCounters = false
  private counterQueue: Promise<unknown> = Promise.resolve()
  /** Since when operations find the database unavailable; null once one succeeds. */
  private unavailableSince: number | null = null
  /** An insertEvents is finding out whether the database is back (see insertEvents). */
  private probing = false
  /** When the server last answered one of this store's requests (see answered()). */
  private lastAnswerAt = 0

  constructor(url: string) {
    this.displayUrl = displayDbUrl(url)
    this.password = urlPassword(url)
    try {
      this.client = new MongoClient(url, CLIENT_OPTIONS)
    } catch (err) {
      // A malformed URL is a configuration mistake: say which one (without its password) and why.
      throw new ConfigError(`--db ${this.displayUrl} is not a valid MongoDB URL (${this.scrub(errorMessage(err))})`)
    }
    this.dbName = mongoDatabaseName(url)
    this.db = this.client.db(this.dbName)
    this.client.on('serverHeartbeatSucceeded', (event) => {
      if (event.reply?.isWritablePrimary === true || event.reply?.ismaster === true) this.answered()
    })
  }

  /**
   * The server answered (a result, or an error it sent). Marked by every operation
   * and by each round trip of an ingest, so that a busy server that keeps answering
   * is told apart from a silent one. Heartbeats count only from a writable primary
   * (the server our writes go to): healthy secondaries answer theirs while a frozen
   * primary holds our writes.
   */
  private answered(): void {
    this.lastAnswerAt = Date.now()
  }

  private get users(): Collection<UserDoc> {
    return this.db.collection<UserDoc>('users')
  }
  private get projects(): Collection<ProjectDoc> {
    return this.db.collection<ProjectDoc>('projects')
  }
  private get errors(): Collection<EventDoc> {
    return this.db.collection<EventDoc>('errors')
  }
  private get issues(): Collection<IssueDoc> {
    return this.db.collection<IssueDoc>('issues')
  }
  private get settings(): Collection<SettingDoc> {
    return this.db.collection<SettingDoc>('settings')
  }
  private get counters(): Collection<CounterDoc> {
    return this.db.collection<CounterDoc>('counters')
  }
  private get eventCounts(): Collection<MinuteCountDoc> {
    return this.db.collection<MinuteCountDoc>('event_counts')
  }

  async init(): Promise<void> {
    await this.run(async () => {
      // connect() is optional for operations, but connecting here turns an
      // unreachable server into one clear error at start-up.
      await this.client.connect()
      const info = await this.db.admin().command({buildInfo: 1})
      this.serializeCounters = typeof info.ferretdbVersion === 'string'
      for (const [name, indexes] of Object.entries(INDEXES)) {
        // One index per command: FerretDB 1.24 drops the connection (a server-side
        // panic) on a multi-index createIndexes when the indexes already exist.
        // A single existing, identical index is a no-op everywhere.
        for (const {key, ...options} of indexes) await this.db.collection(name).createIndex(key, options)
      }
    })
  }

  async ping(): Promise<void> {
    await this.run(() => this.withDeadline((signal) => this.db.command({ping: 1}, {signal})))
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  // ---- users ---------------------------------------------------------------

  async createUser(user: NewUser): Promise<User> {
    const now = new Date()
    const doc: UserDoc = {
      _id: randomUUID(),
      name: user.name,
      email: user.email,
      passwordHash: user.passwordHash,
      role: user.role,
      createdAt: now,
      updatedAt: now,
    }
    await this.run(
      () => this.users.insertOne(doc),
      async () => ((await this.users.findOne({email: user.email}, {projection: {_id: 1}})) ? 'email' : 'id'),
    )
    return fromUser(doc)
  }

  async findUserById(id: string): Promise<User | null> {
    return this.run(async () => optional(await this.users.findOne({_id: id}), fromUser))
  }

  async findUserByEmail(email: string): Promise<User | null> {
    return this.run(async () => optional(await this.users.findOne({email}), fromUser))
  }

  async listUsers(): Promise<User[]> {
    return this.run(async () => (await this.users.find({}).sort({createdAt: 1, _id: 1}).toArray()).map(fromUser))
  }

  async countUsers(): Promise<number> {
    return this.run(() => this.users.countDocuments({}))
  }

  // ---- projects ------------------------------------------------------------

  async createProject(project: NewProject): Promise<Project> {
    return this.run(
      async () => {
        const now = new Date()
        const doc: ProjectDoc = {
          _id: 0,
          ownerId: project.ownerId,
          name: project.name,
          description: project.description,
          slug: project.slug,
          keyHash: project.keyHash,
          keyPrefix: project.keyPrefix,
          rateLimit: null,
          createdAt: now,
          updatedAt: now,
          keyRotatedAt: now,
        }
        for (let attempt = 0; ; attempt++) {
          doc._id = await this.nextProjectId()
          try {
            await this.projects.insertOne(doc)
            return fromProject(doc)
          } catch (err) {
            // The id was taken (a counter update lost on FerretDB, or a project
            // written by hand): draw the next one. Slug and key clashes are final.
            if (attempt >= 5 || !isDuplicateKey(err) || (await this.projects.countDocuments({_id: doc._id})) === 0) throw err
            if ((await this.projects.countDocuments({$or: [{slug: doc.slug}, {keyHash: doc.keyHash}]})) > 0) throw err
          }
        }
      },
      async () => {
        if (await this.projects.findOne({slug: project.slug}, {projection: {_id: 1}})) return 'slug'
        if (await this.projects.findOne({keyHash: project.keyHash}, {projection: {_id: 1}})) return 'keyHash'
        return 'id'
      },
    )
  }

  async findProjectById(id: number): Promise<Project | null> {
    return this.run(async () => optional(await this.projects.findOne({_id: id}), fromProject))
  }

  async findProjectBySlug(slug: string): Promise<Project | null> {
    return this.run(async () => optional(await this.projects.findOne({slug}), fromProject))
  }

  async findProjectByKeyHash(keyHash: string): Promise<Project | null> {
    // On the ingestion path (a key-cache miss): bounded like the write.
    return this.run(async () =>
      optional(await this.withDeadline((signal) => this.projects.findOne({keyHash}, {signal})), fromProject),
    )
  }

  async listProjects(filter: {ownerId?: string} = {}): Promise<Project[]> {
    const query: Filter<ProjectDoc> = filter.ownerId === undefined ? {} : {ownerId: filter.ownerId}
    return this.run(async () => (await this.projects.find(query).sort({_id: 1}).toArray()).map(fromProject))
  }

  async updateProject(id: number, patch: ProjectPatch): Promise<Project | null> {
    const set: Partial<ProjectDoc> = {updatedAt: new Date()}
    if (patch.name !== undefined) set.name = patch.name
    if (patch.description !== undefined) set.description = patch.description
    if (patch.slug !== undefined) set.slug = patch.slug
    if (patch.rateLimit !== undefined) set.rateLimit = patch.rateLimit
    return this.run(async () => {
      if (patch.slug !== undefined) {
        // FerretDB 1.24 (SQLite backend) reports a unique violation on update as an
        // internal error, not as E11000, so check first; the unique index still
        // decides a race.
        await this.assertFree({slug: patch.slug, _id: {$ne: id}}, 'slug')
      }
      const doc = await this.projects.findOneAndUpdate({_id: id}, {$set: set}, {returnDocument: 'after'})
      return optional(doc, fromProject)
    }, 'slug')
  }

  async rotateProjectKey(id: number, keyHash: string, keyPrefix: string): Promise<Project | null> {
    const now = new Date()
    return this.run(async () => {
      await this.assertFree({keyHash, _id: {$ne: id}}, 'keyHash')
      const doc = await this.projects.findOneAndUpdate(
        {_id: id},
        {$set: {keyHash, keyPrefix, keyRotatedAt: now, updatedAt: now}},
        {returnDocument: 'after'},
      )
      return optional(doc, fromProject)
    }, 'keyHash')
  }

  async deleteProject(id: number): Promise<boolean> {
    return this.run(async () => {
      // No transactions (standalone servers, FerretDB): children first, so an
      // interrupted delete leaves the project in place and can simply be retried.
      await this.errors.deleteMany({projectId: id})
      await this.issues.deleteMany({projectId: id})
      await this.eventCounts.deleteMany({projectId: id})
      const result = await this.projects.deleteOne({_id: id})
      return result.deletedCount > 0
    })
  }

  // ---- events --------------------------------------------------------------

  async insertEvents(events: ErrorEvent[]): Promise<void> {
    if (events.length === 0) return
    // While the database is known to be away, one write at a time finds out whether
    // it is back (waiting up to the selection timeout); the group commit's other
    // writes fail at once rather than each waiting its own second behind the others.
    if (this.unavailableSince !== null && this.probing) {
      throw new StoreUnavailableError(`cannot reach MongoDB at ${this.displayUrl} (unavailable since ${new Date(this.unavailableSince).toISOString()})`)
    }
    const probe = this.unavailableSince !== null
    if (probe) this.probing = true
    try {
      await this.run(() => this.withDeadline(() => this.writeEvents(events)), 'id')
    } finally {
      if (probe) this.probing = false
    }
  }

  private async writeEvents(events: ErrorEvent[]): Promise<void> {
    const docs = events.map(toEventDoc)
    // One round trip per collection: the events, then the issue and minute totals.
    // Durability follows the connection's write concern; the server default
    // (w: majority, journaled on replica sets) is what a 202 needs. Without
    // transactions, a failure between the two steps can leave totals short of
    // the events written; totals never count an event that was not written.
    // An id already stored (a Sentry SDK resending an event_id) is skipped and not counted.
    let written = events
    try {
      await this.errors.insertMany(docs, {ordered: false})
      this.answered()
    } catch (err) {
      const failed = writeErrorsOf(err)
      if (!(err instanceof MongoBulkWriteError) || failed.length === 0 || failed.some((e) => e.code !== 11000)) throw err
      this.answered()
      const skipped = new Set(failed.map((e) => e.index))
      written = events.filter((_, i) => !skipped.has(i))
    }
    if (written.length > 0) await this.addTotals(written)
  }

  async findEvent(projectId: number, id: string): Promise<ErrorEvent | null> {
    return this.run(async () => optional(await this.errors.findOne({_id: id, projectId}), fromEvent))
  }

  async listEvents(projectId: number, options: EventListOptions): Promise<ErrorEvent[]> {
    const limit = Math.max(0, Math.floor(options.limit))
    // limit(0) means "no limit" to MongoDB; the contract means "nothing".
    if (limit === 0) return []
    return this.run(async () =>
      (await this.errors.find({projectId}).sort({timestamp: -1, _id: -1}).limit(limit).toArray()).map(fromEvent),
    )
  }

  async countEvents(projectId: number): Promise<number> {
    return this.run(() => this.errors.countDocuments({projectId}))
  }

  async deleteEventsBefore(cutoff: Date, limit: number): Promise<number> {
    const n = Math.max(0, Math.floor(limit))
    if (n === 0) return 0
    return this.run(async () => {
      // deleteMany has no limit: pick a batch of ids, then delete those.
      const batch = await this.errors
        .find({receivedAt: {$lt: cutoff}}, {projection: {_id: 1}})
        .sort({receivedAt: 1})
        .limit(n)
        .toArray()
      if (batch.length === 0) return 0
      const result = await this.errors.deleteMany({_id: {$in: batch.map((d) => d._id)}, receivedAt: {$lt: cutoff}})
      return result.deletedCount
    })
  }

  // ---- issues and counters -------------------------------------------------

  async findIssue(projectId: number, issueId: string): Promise<Issue | null> {
    return this.run(async () => optional(await this.issues.findOne({_id: issueId, projectId}), fromIssue))
  }

  async listIssues(projectId: number, options: EventListOptions): Promise<Issue[]> {
    const limit = Math.max(0, Math.floor(options.limit))
    if (limit === 0) return []
    return this.run(async () =>
      (await this.issues.find({projectId}).sort({lastSeen: -1, _id: -1}).limit(limit).toArray()).map(fromIssue),
    )
  }

  async setIssueStatus(projectId: number, issueId: string, status: IssueStatus): Promise<Issue | null> {
    return this.run(async () =>
      optional(
        await this.issues.findOneAndUpdate({_id: issueId, projectId}, {$set: {status}}, {returnDocument: 'after'}),
        fromIssue,
      ),
    )
  }

  async countEventsByMinute(projectId: number, from: Date, to: Date): Promise<MinuteCount[]> {
    return this.run(async () =>
      (await this.eventCounts.find({projectId, minute: {$gte: from, $lt: to}}).sort({minute: 1}).toArray()).map(
        (doc) => ({minute: doc.minute, count: doc.count}),
      ),
    )
  }

  async countEventsByInterval(projectId: number, bucketMs: number, from: Date, to: Date): Promise<TimeBucket[]> {
    const size = Math.floor(bucketMs)
    if (!(size > 0)) throw new RangeError('bucketMs must be a positive number of milliseconds')
    // Summed here: FerretDB 1.24 has no date arithmetic in $group. Only two fields travel.
    const docs = await this.run(() =>
      this.eventCounts.find({projectId, minute: {$gte: from, $lt: to}}, {projection: {_id: 0, minute: 1, count: 1}}).toArray(),
    )
    const sums = new Map<number, number>()
    for (const doc of docs) {
      const start = doc.minute.getTime() - (doc.minute.getTime() % size)
      sums.set(start, (sums.get(start) ?? 0) + doc.count)
    }
    return [...sums].sort((a, b) => a[0] - b[0]).map(([start, count]) => ({start: new Date(start), count}))
  }

  // ---- filtered queries (event-queries.ts) ------------------------------------

  async queryEvents(filter: EventFilter, page: EventPageRequest): Promise<ErrorEvent[]> {
    return this.run(async () => (await findEventDocs(this.errors, filter, page)).map(fromEvent))
  }

  async queryEventsJson(filter: EventFilter, page: EventPageRequest): Promise<EventJson[]> {
    const events = await this.queryEvents(filter, page)
    return events.map((event) => ({timestamp: event.timestamp, id: event.id, json: JSON.stringify(event)}))
  }

  async queryIssues(filter: IssueFilter, page: IssuePageRequest): Promise<Issue[]> {
    return this.run(async () => (await findIssueDocs(this.issues, filter, page)).map(fromIssue))
  }

  async countEventsByBucket(filter: EventFilter, bucketMs: number, from: Date, to: Date): Promise<TimeBucket[]> {
    return this.run(() => countEventDocsByBucket(this.errors, filter, bucketMs, from, to))
  }

  /**
   * Counters in the database, so every instance shares one budget. Should the
   * database be away, the in-memory insurance limiter answers instead of failing
   * the request here; the write that follows reports the outage.
   */
  createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract {
    const base = {keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds}
    return new BoundedRateLimiterMongo(
      {
        ...base,
        storeClient: this.client,
        dbName: this.dbName,
        tableName: 'rate_limits',
        // Its own indexes include a TTL index, which FerretDB lacks; init() makes the unique one.
        disableIndexesCreation: true,
      },
      new RateLimiterMemory(base),
      () => this.unavailableSince === null,
      () => this.answered(),
    )
  }

  // ---- settings ------------------------------------------------------------

  async getSetting(key: string): Promise<string | null> {
    return this.run(async () => (await this.settings.findOne({_id: key}))?.value ?? null)
  }

  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.run(async () => {
      const update: UpdateFilter<SettingDoc> = {$setOnInsert: {value}}
      try {
        const doc = await this.settings.findOneAndUpdate({_id: key}, update, {upsert: true, returnDocument: 'after'})
        if (doc) return doc.value
      } catch (err) {
        // Two concurrent upserts of a missing key: one inserts, the other may get
        // E11000. The loser simply reads the winner's value.
        if (!isDuplicateKey(err)) throw err
      }
      const stored = await this.settings.findOne({_id: key})
      if (!stored) throw new Error(`setting ${key} vanished while being set`)
      return stored.value
    })
  }

  // ---- internals -----------------------------------------------------------

  /** Next project id from the counters collection; ids are never reused. */
  private async nextProjectId(): Promise<number> {
    return this.counterUpdate(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = await this.counters.findOneAndUpdate(
            {_id: 'projects'},
            {$inc: {seq: 1}},
            {upsert: true, returnDocument: 'after'},
          )
          if (!doc) throw new Error('the projects counter returned no document')
          return doc.seq
        } catch (err) {
          // Concurrent first upserts can collide on _id; the retry finds the document.
          if (attempt < 3 && isDuplicateKey(err)) continue
          throw err
        }
      }
    })
  }

  /** Adds the events to their issues (created on first sight) and to the per-minute counters. */
  private async addTotals(events: ErrorEvent[]): Promise<void> {
    const issueOps: AnyBulkWriteOperation<IssueDoc>[] = []
    for (const d of issueDeltas(events)) {
      issueOps.push(
        {
          updateOne: {
            filter: {_id: d.issueId},
            update: {
              $setOnInsert: {
                projectId: d.projectId,
                fingerprint: d.fingerprint,
                type: d.type,
                message: d.message,
                status: 'unresolved',
              },
              $inc: {count: d.count},
              $min: {firstSeen: d.firstSeen},
              $max: {lastSeen: d.lastSeen},
            },
            upsert: true,
          },
        },
        // lastSeen equals this batch's latest only if no newer event is recorded:
        // then this batch's level is the latest event's.
        {updateOne: {filter: {_id: d.issueId, lastSeen: d.lastSeen}, update: {$set: {level: d.level}}}},
        // New events reopen a resolved issue; an ignored one stays ignored.
        {updateOne: {filter: {_id: d.issueId, status: 'resolved'}, update: {$set: {status: 'unresolved'}}}},
      )
    }
    const minuteOps: AnyBulkWriteOperation<MinuteCountDoc>[] = minuteDeltas(events).map((d) => ({
      updateOne: {
        filter: {_id: `${d.projectId}:${d.minute}`},
        update: {$setOnInsert: {projectId: d.projectId, minute: new Date(d.minute)}, $inc: {count: d.count}},
        upsert: true,
      },
    }))
    await this.counterUpdate(async () => {
      await bulkWriteRetryingUpserts(this.issues, issueOps)
      this.answered()
      await bulkWriteRetryingUpserts(this.eventCounts, minuteOps)
      this.answered()
    })
  }

  /** Runs counter updates one at a time against FerretDB (see serializeCounters), at once otherwise. */
  private counterUpdate<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.serializeCounters) return fn()
    const result = this.counterQueue.then(fn, fn)
    this.counterQueue = result.catch(() => undefined)
    return result
  }

  private async assertFree(filter: Filter<ProjectDoc>, field: string): Promise<void> {
    if (await this.projects.findOne(filter, {projection: {_id: 1}})) throw new DuplicateKeyError(field)
  }

  /**
   * Runs op, translating driver errors into the store's typed errors. `dup` names
   * the field of a duplicate-key error when the server does not say which index
   * it was (FerretDB does not): a field name, or a probe that finds it.
   */
  private async run<T>(op: () => Promise<T>, dup?: string | (() => Promise<string>)): Promise<T> {
    try {
      const result = await op()
      this.unavailableSince = null
      this.answered()
      return result
    } catch (err) {
      const translated = await this.translate(err, dup)
      if (translated instanceof StoreUnavailableError) {
        this.unavailableSince ??= Date.now()
      } else {
        this.unavailableSince = null
        if (err instanceof MongoServerError || translated instanceof DuplicateKeyError) this.answered()
      }
      throw translated
    }
  }

  /**
   * Runs op, failing with StoreUnavailableError once the server has been silent
   * for OPERATION_DEADLINE_MS since op started (see there). Reads get the signal
   * (the driver then gives up, and closes the connection if it was waiting for the
   * answer); a write cannot be called back once sent: it goes on in the background,
   * and a server that thaws may still carry it out.
   */
  private async withDeadline<T>(op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    const started = Date.now()
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      const check = (): void => {
        const now = Date.now()
        const silent = now - Math.max(this.lastAnswerAt, started)
        if (silent < OPERATION_DEADLINE_MS && now - started < OPERATION_MAX_MS) {
          timer = setTimeout(check, OPERATION_DEADLINE_MS - silent)
          return
        }
        const err = new StoreUnavailableError(
          silent >= OPERATION_DEADLINE_MS
            ? `MongoDB at ${this.displayUrl} has not answered for ${silent} ms`
            : `MongoDB at ${this.displayUrl} did not complete the operation within ${OPERATION_MAX_MS} ms`,
        )
        controller.abort(err)
        reject(err)
      }
      timer = setTimeout(check, OPERATION_DEADLINE_MS)
    })
    try {
      return await Promise.race([op(controller.signal), expired])
    } finally {
      clearTimeout(timer)
    }
  }

  /** A driver error as the store's typed error (or as itself, when it is neither a duplicate nor an outage). */
  private async translate(err: unknown, dup?: string | (() => Promise<string>)): Promise<unknown> {
    if (err instanceof DuplicateKeyError || err instanceof StoreUnavailableError) return err
    if (isDuplicateKey(err) || (dup !== undefined && isFerretUniqueViolation(err))) {
      let field = duplicateField(err)
      if (field === undefined && dup !== undefined) {
        try {
          field = typeof dup === 'string' ? dup : await dup()
        } catch {
          field = undefined
        }
      }
      return new DuplicateKeyError(field ?? 'id')
    }
    if (isUnavailable(err)) {
      return new StoreUnavailableError(`cannot reach MongoDB at ${this.displayUrl} (${this.scrub(reason(err))})`, {
        cause: err,
      })
    }
    if (err instanceof MongoServerError && AUTH_CODES.has(Number(err.code))) {
      return new StoreUnavailableError(
        `cannot use MongoDB at ${this.displayUrl} (authentication failed or not authorised)`,
        {cause: err},
      )
    }
    return err
  }

  /** Removes the URL's password from a driver message, should one ever contain it. */
  private scrub(message: string): string {
    let out = message.replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@')
    // Very short passwords are skipped: replacing every "b" in a message would
    // garble it and point at the password's value rather than hide it.
    if (this.password && this.password.length >= 4) out = out.split(this.password).join('***')
    return out
  }
}

/**
 * The shared (database) counter, bounded: when the database is known to be away,
 * or the counter does not answer within RATE_LIMIT_WAIT_MS, the in-memory limiter
 * counts instead — the write that follows reports an outage, this need not wait
 * for it first. rate-limiter-flexible's own insuranceLimiter only steps in once the
 * driver gives up (the selection timeout), so it is not set on the base.
 */
class BoundedRateLimiterMongo extends RateLimiterMongo {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMongo>[0],
    private readonly fallback: RateLimiterMemory,
    private readonly reachable: () => boolean,
    private readonly answered: () => void,
  ) {
    super(options)
  }

  override consume(
    key: string | number,
    pointsToConsume = 1,
    options?: Parameters<RateLimiterMongo['consume']>[2],
  ): Promise<RateLimiterRes> {
    if (!this.reachable()) return this.fallback.consume(key, pointsToConsume)
    return new Promise<RateLimiterRes>((resolve, reject) => {
      let settled = false
      const useFallback = (): void => {
        settled = true
        this.fallback.consume(key, pointsToConsume).then(resolve, reject)
      }
      const timer = setTimeout(() => {
        if (!settled) useFallback()
      }, RATE_LIMIT_WAIT_MS)
      super.consume(key, pointsToConsume, options).then(
        (res) => {
          this.answered()
          if (settled) return
          settled = true
          clearTimeout(timer)
          resolve(res)
        },
        (err: unknown) => {
          if (err instanceof RateLimiterRes) this.answered()
          if (settled) return
          clearTimeout(timer)
          // A RateLimiterRes is the answer "over the limit", not a failure.
          if (err instanceof RateLimiterRes) {
            settled = true
            reject(err)
          } else {
            useFallback()
          }
        },
      )
    })
  }
}

function optional<D, T>(doc: D | null, map: (doc: D) => T): T | null {
  return doc === null ? null : map(doc)
}

function fromUser({_id, ...rest}: UserDoc): User {
  return {id: _id, ...rest}
}

function fromProject({_id, ...rest}: ProjectDoc): Project {
  return {
    id: _id,
    ...rest,
    // A document written by hand may lack it; the contract says null.
    rateLimit: rest.rateLimit ?? null,
  }
}

function fromIssue({_id, ...rest}: IssueDoc): Issue {
  return {id: _id, ...rest}
}

interface IndexedWriteError {
  index: number
  code: unknown
}

function writeErrorsOf(err: unknown): IndexedWriteError[] {
  const list = (err as {writeErrors?: unknown} | null)?.writeErrors
  if (list === undefined || list === null) return []
  return (Array.isArray(list) ? list : [list]) as IndexedWriteError[]
}

/**
 * An ordered bulk of updates, some of them upserts. Two writers upserting the same
 * new document can collide (E11000); the loser's retry finds the document and
 * updates it. Ordered, so everything before the failed operation has been applied.
 */
async function bulkWriteRetryingUpserts<T extends {_id: string}>(
  collection: Collection<T>,
  ops: AnyBulkWriteOperation<T>[],
): Promise<void> {
  let rest = ops
  for (let attempt = 0; rest.length > 0; attempt++) {
    try {
      await collection.bulkWrite(rest, {ordered: true})
      return
    } catch (err) {
      const first = writeErrorsOf(err)[0]
      if (attempt >= 5 || first === undefined || first.code !== 11000) throw err
      rest = rest.slice(first.index)
    }
  }
}

function toEventDoc({id, ...rest}: ErrorEvent): EventDoc {
  // Client-supplied maps may hold keys FerretDB refuses: see field-codec.ts.
  return {_id: id, ...(encodeValue(rest) as Omit<ErrorEvent, 'id'>)}
}

function fromEvent({_id, ...rest}: EventDoc): ErrorEvent {
  return {id: _id, ...(decodeValue(rest) as Omit<ErrorEvent, 'id'>)}
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function errorCode(err: unknown): number | undefined {
  if (err instanceof MongoError && typeof err.code === 'number') return err.code
  return undefined
}

function isDuplicateKey(err: unknown): boolean {
  if (errorCode(err) === 11000) return true
  // insertMany / bulkWrite: the write errors carry the code.
  const writeErrors = (err as {writeErrors?: unknown} | null)?.writeErrors
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []
  return list.some((e: {code?: unknown}) => e?.code === 11000)
}

/** FerretDB 1.24's SQLite backend surfaces a unique violation on update as an internal error. */
function isFerretUniqueViolation(err: unknown): boolean {
  return err instanceof MongoServerError && /UNIQUE constraint failed/i.test(err.message)
}

/** The API field behind a duplicate-key error, from keyPattern, keyValue or the index name. */
function duplicateField(err: unknown): string | undefined {
  const e = err as {
    keyPattern?: Record<string, unknown>
    keyValue?: Record<string, unknown>
    errmsg?: string
    message?: string
    writeErrors?: unknown
  } | null
  if (!e) return undefined
  const keys = Object.keys(e.keyPattern ?? e.keyValue ?? {})
  if (keys.length > 0) {
    // (projectId, fingerprint) → fingerprint: the last key is the distinguishing one.
    const key = keys[keys.length - 1] as string
    return key === '_id' ? 'id' : key
  }
  const messages = [e.errmsg, e.message]
  const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : []
  for (const w of writeErrors as {errmsg?: string; keyPattern?: Record<string, unknown>}[]) {
    const wk = Object.keys(w?.keyPattern ?? {})
    if (wk.length > 0) return wk[wk.length - 1] === '_id' ? 'id' : wk[wk.length - 1]
    messages.push(w?.errmsg)
  }
  for (const message of messages) {
    if (!message) continue
    // MongoDB: "… index: slug_unique dup key: …".
    const index = /index: (\S+)/.exec(message)?.[1]
    if (index !== undefined && INDEX_FIELDS[index] !== undefined) return INDEX_FIELDS[index]
    // FerretDB (SQLite backend, on update): "UNIQUE constraint failed: index 'projects_1354e8b7_slug_unique'".
    const ferret = /index '([^']+)'/.exec(message)?.[1]
    if (ferret !== undefined) {
      for (const [name, field] of Object.entries(INDEX_FIELDS)) if (ferret.endsWith(`_${name}`)) return field
    }
  }
  return undefined
}

function isUnavailable(err: unknown): boolean {
  if (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError
  ) {
    return true
  }
  // A bulk write that failed as a whole (a refused connection, say: no write errors)
  // carries the real error in errorResponse.
  const inner = (err as {errorResponse?: unknown} | null)?.errorResponse
  if (err instanceof MongoBulkWriteError && writeErrorsOf(err).length === 0 && inner instanceof Error && inner !== err) {
    return isUnavailable(inner)
  }
  if (err instanceof MongoError) {
    if (err.hasErrorLabel('ResetPool') || err.name === 'MongoPoolClearedError') return true
    const code = errorCode(err)
    if (code !== undefined && TRANSIENT_SERVER_CODES.has(code)) return true
  }
  return false
}

/** A short human reason: "connection refused", "timed out", … */
function reason(err: unknown): string {
  const codes: string[] = []
  const messages: string[] = []
  const seen = new Set<unknown>()
  const visit = (e: unknown): void => {
    if (!e || typeof e !== 'object' || seen.has(e)) return
    seen.add(e)
    const code = (e as {code?: unknown}).code
    if (typeof code === 'string') codes.push(code)
    if (e instanceof Error && e.message) messages.push(e.message)
    if (e instanceof MongoNetworkError && e.name === 'MongoNetworkTimeoutError') codes.push('ETIMEDOUT')
    visit((e as {cause?: unknown}).cause)
    visit((e as {errorResponse?: unknown}).errorResponse)
    const servers = (e as {reason?: {servers?: Map<string, {error?: unknown}>}}).reason?.servers
    if (servers instanceof Map) for (const server of servers.values()) visit(server.error)
  }
  visit(err)
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
  }
  for (const code of codes) if (known[code]) return known[code]
  if (err instanceof MongoServerSelectionError && messages.every((m) => /timed out|selection/i.test(m))) {
    return `no server answered within ${SERVER_SELECTION_TIMEOUT_MS / 1000} s`
  }
  return messages[0] ?? 'unknown error'
}

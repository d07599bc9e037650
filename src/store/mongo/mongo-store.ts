// The MongoDB engine. It must run unchanged on MongoDB 6+ and on FerretDB 1.24, so
// it sticks to CRUD, unique/compound indexes, findOneAndUpdate/upserts with simple
// operators, insertMany/bulkWrite and simple aggregations: no transactions, no TTL
// indexes, no $lookup.

import {randomUUID} from 'node:crypto'
import {
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Filter,
  type IndexDescription,
  type MongoClientOptions,
  type UpdateFilter,
} from 'mongodb'
import {ConfigError} from '../../errors.js'
import {displayDbUrl, urlPassword} from '../display-url.js'
import {decodeValue, encodeValue} from './field-codec.js'
import {
  DuplicateKeyError,
  StoreUnavailableError,
  type ErrorEvent,
  type EventListOptions,
  type NewProject,
  type NewUser,
  type Project,
  type ProjectPatch,
  type Store,
  type User,
} from '../types.js'

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
  level: string
  status: string
  count: number
  firstSeen: Date
  lastSeen: Date
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
 * Fail fast when the database is away: an ingest request should get its 503 in
 * about 2 s, and a CLI command should not hang. The driver keeps monitoring the
 * servers and reconnects by itself once they are back.
 */
const CLIENT_OPTIONS: MongoClientOptions = {
  serverSelectionTimeoutMS: 2000,
  connectTimeoutMS: 2000,
  // Optional fields left undefined are omitted, not stored as null, so documents
  // read back exactly as they were written.
  ignoreUndefined: true,
  appName: 'crashlog',
}

/** Named indexes: the names let a duplicate-key message be mapped back to a field. */
const INDEXES: Record<string, IndexDescription[]> = {
  users: [{key: {email: 1}, name: 'email_unique', unique: true}],
  projects: [
    {key: {slug: 1}, name: 'slug_unique', unique: true},
    {key: {keyHash: 1}, name: 'keyHash_unique', unique: true},
    {key: {ownerId: 1}, name: 'ownerId'},
  ],
  issues: [{key: {projectId: 1, fingerprint: 1}, name: 'projectId_fingerprint_unique', unique: true}],
  errors: [{key: {projectId: 1, timestamp: -1, _id: -1}, name: 'projectId_timestamp_id'}],
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
  private readonly password: string | null

  constructor(url: string) {
    this.displayUrl = displayDbUrl(url)
    this.password = urlPassword(url)
    try {
      this.client = new MongoClient(url, CLIENT_OPTIONS)
    } catch (err) {
      // A malformed URL is a configuration mistake: say which one (without its password) and why.
      throw new ConfigError(`--db ${this.displayUrl} is not a valid MongoDB URL (${this.scrub(errorMessage(err))})`)
    }
    this.db = this.client.db(mongoDatabaseName(url))
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

  async init(): Promise<void> {
    await this.run(async () => {
      // connect() is optional for operations, but connecting here turns an
      // unreachable server into one clear error at start-up.
      await this.client.connect()
      for (const [name, indexes] of Object.entries(INDEXES)) {
        // One index per command: FerretDB 1.24 drops the connection (a server-side
        // panic) on a multi-index createIndexes when the indexes already exist.
        // A single existing, identical index is a no-op everywhere.
        for (const {key, ...options} of indexes) await this.db.collection(name).createIndex(key, options)
      }
    })
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      await this.db.command({ping: 1})
    })
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
          _id: await this.nextProjectId(),
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
        await this.projects.insertOne(doc)
        return fromProject(doc)
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
    return this.run(async () => optional(await this.projects.findOne({keyHash}), fromProject))
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
      const result = await this.projects.deleteOne({_id: id})
      return result.deletedCount > 0
    })
  }

  // ---- events --------------------------------------------------------------

  async insertEvents(events: ErrorEvent[]): Promise<void> {
    if (events.length === 0) return
    const docs = events.map(toEventDoc)
    // One round trip per batch. Durability follows the connection's write concern;
    // the server default (w: majority, journaled on replica sets) is what a 202 needs.
    await this.run(() => this.errors.insertMany(docs, {ordered: false}), 'id')
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
      return await op()
    } catch (err) {
      if (err instanceof DuplicateKeyError || err instanceof StoreUnavailableError) throw err
      if (isDuplicateKey(err) || (dup !== undefined && isFerretUniqueViolation(err))) {
        let field = duplicateField(err)
        if (field === undefined && dup !== undefined) {
          try {
            field = typeof dup === 'string' ? dup : await dup()
          } catch {
            field = undefined
          }
        }
        throw new DuplicateKeyError(field ?? 'id')
      }
      if (isUnavailable(err)) {
        throw new StoreUnavailableError(`cannot reach MongoDB at ${this.displayUrl} (${this.scrub(reason(err))})`, {
          cause: err,
        })
      }
      if (err instanceof MongoServerError && AUTH_CODES.has(Number(err.code))) {
        throw new StoreUnavailableError(
          `cannot use MongoDB at ${this.displayUrl} (authentication failed or not authorised)`,
          {cause: err},
        )
      }
      throw err
    }
  }

  /** Removes the URL's password from a driver message, should one ever contain it. */
  private scrub(message: string): string {
    let out = message.replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@')
    if (this.password) out = out.split(this.password).join('***')
    return out
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
    return 'no server answered within 2 s'
  }
  return messages[0] ?? 'unknown error'
}

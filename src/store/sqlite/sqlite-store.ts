import {randomUUID} from 'node:crypto'
import {mkdirSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import Database from 'better-sqlite3'
import {RateLimiterMemory, type RateLimiterAbstract} from 'rate-limiter-flexible'
import {displayDbUrl} from '../display-url.js'
import type {EventFilter, EventJson, EventPageRequest, IssueFilter, IssuePageRequest, TimeBucket} from '../query-types.js'
import {EVENT_INDEX_MIGRATION, EVENT_QUERY_MIGRATION, EVENT_TEXT_MIGRATION, JSON_COLUMNS, countEventRowsByBucket, queryEventRows, queryIssueRows} from './event-queries.js'
import {Checkpointer, DEFAULT_CHECKPOINTER_OPTIONS, type CheckpointerOptions} from './checkpointer.js'
import {EventWriter, WriterGoneError} from './event-writer.js'
import {headOf, prepareEventWrites, writeEvents} from './event-writes.js'
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
  type Role,
  type Store,
  type User,
} from '../types.js'

type Db = Database.Database

/**
 * Ordered schema migrations. Entry i moves the schema from version i to i + 1
 * (PRAGMA user_version). Append only: never edit a migration that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the initial schema.
  `
  CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  );

  -- AUTOINCREMENT: a deleted project's id is never handed out again, so an old
  -- Sentry DSN can never start feeding a different project.
  CREATE TABLE projects (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id       TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL,
    slug           TEXT NOT NULL UNIQUE,
    key_hash       TEXT NOT NULL UNIQUE,
    key_prefix     TEXT NOT NULL,
    rate_limit     INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    key_rotated_at INTEGER NOT NULL
  );
  CREATE INDEX projects_owner ON projects (owner_id, id);

  -- Event ids are unique across projects, like the MongoDB engine's _id.
  -- The columns are what queries filter and sort on; doc holds the full record.
  CREATE TABLE errors (
    id          TEXT PRIMARY KEY,
    project_id  INTEGER NOT NULL,
    timestamp   INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    level       TEXT NOT NULL,
    type        TEXT NOT NULL,
    message     TEXT NOT NULL,
    fingerprint TEXT,
    issue_id    TEXT,
    doc         TEXT NOT NULL
  );
  CREATE INDEX errors_project_time ON errors (project_id, timestamp DESC, id DESC);

  CREATE TABLE issues (
    id          TEXT PRIMARY KEY,
    project_id  INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    type        TEXT NOT NULL,
    message     TEXT NOT NULL,
    level       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'unresolved',
    count       INTEGER NOT NULL DEFAULT 0,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    UNIQUE (project_id, fingerprint)
  );

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: issue grouping, per-minute counters, retention.
  `
  CREATE INDEX issues_project_last_seen ON issues (project_id, last_seen DESC, id DESC);
  CREATE INDEX errors_received ON errors (received_at);

  -- Kept at write time, so charts never scan the errors table.
  CREATE TABLE event_counts (
    project_id INTEGER NOT NULL,
    minute     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (project_id, minute)
  ) WITHOUT ROWID;
  `,
  // 3: filtered, keyset-paginated queries: indexes and the event_terms side table (see event-queries.ts).
  EVENT_QUERY_MIGRATION,
  // 4: a trigram index for free-text words (see event-queries.ts).
  EVENT_TEXT_MIGRATION,
  // 5: term rows and words indexed after the events' commit, in steps (see event-queries.ts).
  EVENT_INDEX_MIGRATION,
]

interface UserRow {
  id: string
  name: string
  email: string
  password_hash: string
  role: string
  created_at: number
  updated_at: number
}

interface ProjectRow {
  id: number
  owner_id: string
  name: string
  description: string
  slug: string
  key_hash: string
  key_prefix: string
  rate_limit: number | null
  created_at: number
  updated_at: number
  key_rotated_at: number
}

interface IssueRow {
  id: string
  project_id: number
  fingerprint: string
  type: string
  message: string
  level: string
  status: string
  count: number
  first_seen: number
  last_seen: number
}

interface EventRow {
  timestamp: number
  received_at: number
  fingerprint: string | null
  issue_id: string | null
  doc: string
}

/** Maps "table.column" of a UNIQUE / PRIMARY KEY failure to the API's field name. */
const UNIQUE_FIELDS: Record<string, string> = {
  'users.id': 'id',
  'users.email': 'email',
  'projects.id': 'id',
  'projects.slug': 'slug',
  'projects.key_hash': 'keyHash',
  'errors.id': 'id',
  'issues.id': 'id',
  'issues.project_id, issues.fingerprint': 'fingerprint',
  'settings.key': 'key',
}

/** Error codes that mean "the database cannot serve this now", not "this request is wrong". */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT|PROTOCOL)/

/**
 * better-sqlite3 is synchronous: while SQLite's busy handler waits for another
 * connection's lock, the whole event loop sleeps. So it may wait only a few ms;
 * longer waits happen in write(), between attempts, on timers.
 */
const BUSY_TIMEOUT_MS = 2
/**
 * The writer thread may wait inside SQLite: no event loop sleeps meanwhile. Long enough
 * for the checkpoint worker's moments with the write lock (a TRUNCATE checkpoint, which
 * waits up to 20 ms for readers) to pass within one attempt: with 2 ms, a busy server
 * saw ~10-30 retries a second on timers (5 ms, then 10, 20…), each a latency spike.
 */
const WRITER_BUSY_TIMEOUT_MS = 25
/** How long a write keeps trying for the write lock before the database counts as unavailable (an ingest answers 503). */
export const LOCK_WAIT_MS = 1000
/** init() runs at start-up, off any request path: it may wait as long as the old busy_timeout did. */
const INIT_LOCK_WAIT_MS = 5000
const RETRY_FIRST_MS = 5
const RETRY_MAX_MS = 50

export interface SqliteStoreOptions {
  /** WAL checkpointing in a worker thread; false leaves it to SQLite (autocheckpoint). */
  checkpointer?: Partial<CheckpointerOptions> | false
  /**
   * Events written by a worker thread (event-writer.ts), started `startDelayMs` after
   * the first insertEvents; false writes them on the store's connection.
   */
  writer?: {startDelayMs: number} | false
}

/**
 * A process that writes events once and closes (a CLI command) never starts the
 * writer thread; a server starts it once the first batch is written.
 */
const DEFAULT_WRITER_START_MS = 200

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(err) ?? '')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Database.SqliteError) return err.code
  return undefined
}

/** `sqlite:<path>` → absolute file path. Relative paths resolve against the cwd. */
export function sqlitePathFromUrl(url: string): string {
  if (!url.startsWith('sqlite:')) throw new Error(`not a sqlite: URL: ${url}`)
  let path = url.slice('sqlite:'.length)
  // Tolerate sqlite:///abs/path and sqlite://./rel as well as sqlite:./rel.
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '') throw new Error('the sqlite: URL names no file')
  return resolve(process.cwd(), path)
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const
  readonly displayUrl: string
  readonly path: string

  private db: Db | null = null
  private stmts: ReturnType<SqliteStore['prepare']> | null = null
  private closed = false
  private readonly checkpointerOptions: CheckpointerOptions | null
  private checkpointer: Checkpointer | null = null
  private checkpointerStart: NodeJS.Timeout | null = null
  private checkpointerFailed = false
  private writerOptions: {startDelayMs: number} | null
  private writer: EventWriter | null = null
  private writerStart: NodeJS.Timeout | null = null
  /** When writes first found the write lock taken by another connection; null once one got it. */
  private lockedSince: number | null = null
  private lastBusyAt = 0

  constructor(url: string, options: SqliteStoreOptions = {}) {
    this.displayUrl = displayDbUrl(url)
    this.path = sqlitePathFromUrl(url)
    this.checkpointerOptions =
      options.checkpointer === false ? null : {...DEFAULT_CHECKPOINTER_OPTIONS, ...options.checkpointer}
    this.writerOptions = options.writer === false ? null : {startDelayMs: DEFAULT_WRITER_START_MS, ...options.writer}
  }

  async init(): Promise<void> {
    if (this.closed) throw new Error('store is closed')
    await this.write(
      () => {
        if (this.db === null) this.db = this.open()
        this.migrate(this.db)
        if (this.stmts === null) this.stmts = this.prepare(this.db)
      },
      {waitMs: INIT_LOCK_WAIT_MS, probe: true},
    )
  }

  /**
   * Ready means able to take an event: the file is readable and this connection can
   * get the write lock now (within the same wait as a write). SELECT 1 alone would
   * pass while another process holds the lock and every ingest fails.
   */
  async ping(): Promise<void> {
    await this.write(
      () => {
        const db = this.conn()
        db.exec('BEGIN IMMEDIATE')
        try {
          db.prepare('SELECT count(*) FROM sqlite_master').get()
        } finally {
          if (db.inTransaction) db.exec('ROLLBACK')
        }
      },
      {probe: true},
    )
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.checkpointerStart !== null) clearTimeout(this.checkpointerStart)
    this.checkpointerStart = null
    if (this.writerStart !== null) clearTimeout(this.writerStart)
    this.writerStart = null
    const writer = this.writer
    this.writer = null
    // The writer finishes the batches it was sent (their callers wait for them).
    if (writer !== null) await writer.stop()
    const checkpointer = this.checkpointer
    this.checkpointer = null
    // The workers' connections go first, so the last one closing (ours) checkpoints
    // whatever is left and removes the WAL.
    if (checkpointer !== null) await checkpointer.stop()
    if (this.db !== null) {
      this.db.close()
      this.db = null
      this.stmts = null
    }
  }

  /** Whether the checkpoint worker runs (it starts with the first write), for tests and diagnostics. */
  get checkpointerRunning(): boolean {
    return this.checkpointer?.running ?? false
  }

  /** Whether events are written by the writer thread (it starts after the first insertEvents), for tests and diagnostics. */
  get writerRunning(): boolean {
    return this.writer?.running ?? false
  }

  // ---- users ---------------------------------------------------------------

  async createUser(user: NewUser): Promise<User> {
    const now = Date.now()
    const row: UserRow = {
      id: randomUUID(),
      name: user.name,
      email: user.email,
      password_hash: user.passwordHash,
      role: user.role,
      created_at: now,
      updated_at: now,
    }
    await this.write(() => this.s().insertUser.run(row))
    return toUser(row)
  }

  async findUserById(id: string): Promise<User | null> {
    return this.guard(() => optional(this.s().userById.get(id) as UserRow | undefined, toUser))
  }

  async findUserByEmail(email: string): Promise<User | null> {
    return this.guard(() => optional(this.s().userByEmail.get(email) as UserRow | undefined, toUser))
  }

  async listUsers(): Promise<User[]> {
    return this.guard(() => (this.s().listUsers.all() as UserRow[]).map(toUser))
  }

  async countUsers(): Promise<number> {
    return this.guard(() => (this.s().countUsers.get() as {n: number}).n)
  }

  // ---- projects ------------------------------------------------------------

  async createProject(project: NewProject): Promise<Project> {
    const now = Date.now()
    return this.write(() => {
      const result = this.s().insertProject.run({
        owner_id: project.ownerId,
        name: project.name,
        description: project.description,
        slug: project.slug,
        key_hash: project.keyHash,
        key_prefix: project.keyPrefix,
        rate_limit: null,
        created_at: now,
        updated_at: now,
        key_rotated_at: now,
      })
      const id = Number(result.lastInsertRowid)
      return toProject(this.s().projectById.get(id) as ProjectRow)
    })
  }

  async findProjectById(id: number): Promise<Project | null> {
    return this.guard(() => optional(this.s().projectById.get(id) as ProjectRow | undefined, toProject))
  }

  async findProjectBySlug(slug: string): Promise<Project | null> {
    return this.guard(() => optional(this.s().projectBySlug.get(slug) as ProjectRow | undefined, toProject))
  }

  async findProjectByKeyHash(keyHash: string): Promise<Project | null> {
    return this.guard(() => optional(this.s().projectByKeyHash.get(keyHash) as ProjectRow | undefined, toProject))
  }

  async listProjects(filter: {ownerId?: string} = {}): Promise<Project[]> {
    return this.guard(() => {
      const rows =
        filter.ownerId === undefined
          ? (this.s().listProjects.all() as ProjectRow[])
          : (this.s().listProjectsByOwner.all(filter.ownerId) as ProjectRow[])
      return rows.map(toProject)
    })
  }

  async updateProject(id: number, patch: ProjectPatch): Promise<Project | null> {
    return this.write(() =>
      this.conn().transaction((): Project | null => {
        const current = this.s().projectById.get(id) as ProjectRow | undefined
        if (current === undefined) return null
        // Read, merge, write with one prepared statement instead of building SQL per patch shape.
        const next: ProjectRow = {
          ...current,
          name: patch.name ?? current.name,
          description: patch.description ?? current.description,
          slug: patch.slug ?? current.slug,
          rate_limit: patch.rateLimit === undefined ? current.rate_limit : patch.rateLimit,
          updated_at: Date.now(),
        }
        this.s().updateProject.run(next)
        return toProject(next)
      }).immediate(),
    )
  }

  async rotateProjectKey(id: number, keyHash: string, keyPrefix: string): Promise<Project | null> {
    const now = Date.now()
    return this.write(() =>
      this.conn().transaction((): Project | null => {
        const result = this.s().rotateKey.run({id, key_hash: keyHash, key_prefix: keyPrefix, now})
        if (result.changes === 0) return null
        return toProject(this.s().projectById.get(id) as ProjectRow)
      }).immediate(),
    )
  }

  async deleteProject(id: number): Promise<boolean> {
    return this.write(() =>
      this.conn().transaction((): boolean => {
        this.s().deleteProjectErrors.run(id)
        this.s().deleteProjectIssues.run(id)
        this.s().deleteProjectCounts.run(id)
        return this.s().deleteProject.run(id).changes > 0
      }).immediate(),
    )
  }

  // ---- events --------------------------------------------------------------

  async insertEvents(events: ErrorEvent[]): Promise<void> {
    if (events.length === 0) return
    // Serialised once: a retry after SQLITE_BUSY writes the same rows again.
    const docs = events.map((event) => JSON.stringify(event))
    await this.write(() => this.writeBatch(events, docs))
  }

  /** One attempt: on the writer thread when it runs, else on this connection. */
  private writeBatch(events: ErrorEvent[], docs: string[]): unknown {
    const writer = this.writer
    if (writer !== null && writer.running) {
      return writer.write(docs, events.map(headOf)).catch((err: unknown) => {
        // The thread died with the batch, committed or not: write it here. The ids
        // are the same, so events it did commit are skipped and not counted twice.
        if (err instanceof WriterGoneError && !this.closed) return this.writeBatch(events, docs)
        throw err
      })
    }
    this.startWriterSoon()
    return writeEvents(this.conn(), this.s(), events.map((event, i) => ({event, doc: docs[i]})))
  }

  async findEvent(projectId: number, id: string): Promise<ErrorEvent | null> {
    return this.guard(() => optional(this.s().eventById.get(projectId, id) as EventRow | undefined, toEvent))
  }

  async listEvents(projectId: number, options: EventListOptions): Promise<ErrorEvent[]> {
    const limit = Math.max(0, Math.floor(options.limit))
    return this.guard(() => (this.s().listEvents.all(projectId, limit) as EventRow[]).map(toEvent))
  }

  async countEvents(projectId: number): Promise<number> {
    return this.guard(() => (this.s().countEvents.get(projectId) as {n: number}).n)
  }

  async deleteEventsBefore(cutoff: Date, limit: number): Promise<number> {
    const n = Math.max(0, Math.floor(limit))
    if (n === 0) return 0
    return this.write(() => this.s().deleteEventsBefore.run(cutoff.getTime(), n).changes)
  }

  // ---- issues and counters -------------------------------------------------

  async findIssue(projectId: number, issueId: string): Promise<Issue | null> {
    return this.guard(() => optional(this.s().issueById.get(projectId, issueId) as IssueRow | undefined, toIssue))
  }

  async listIssues(projectId: number, options: EventListOptions): Promise<Issue[]> {
    const limit = Math.max(0, Math.floor(options.limit))
    return this.guard(() => (this.s().listIssues.all(projectId, limit) as IssueRow[]).map(toIssue))
  }

  async setIssueStatus(projectId: number, issueId: string, status: IssueStatus): Promise<Issue | null> {
    return this.write(() =>
      this.conn().transaction((): Issue | null => {
        if (this.s().setIssueStatus.run(status, projectId, issueId).changes === 0) return null
        return toIssue(this.s().issueById.get(projectId, issueId) as IssueRow)
      }).immediate(),
    )
  }

  async countEventsByMinute(projectId: number, from: Date, to: Date): Promise<MinuteCount[]> {
    return this.guard(() =>
      (this.s().countsByMinute.all(projectId, from.getTime(), to.getTime()) as {minute: number; count: number}[]).map(
        (row) => ({minute: new Date(row.minute), count: row.count}),
      ),
    )
  }

  async countEventsByInterval(projectId: number, bucketMs: number, from: Date, to: Date): Promise<TimeBucket[]> {
    const size = Math.floor(bucketMs)
    if (!(size > 0)) throw new RangeError('bucketMs must be a positive number of milliseconds')
    return this.guard(() =>
      (this.s().countsByInterval.all({size, projectId, from: from.getTime(), to: to.getTime()}) as {start: number; count: number}[]).map(
        (row) => ({start: new Date(row.start), count: row.count}),
      ),
    )
  }

  // ---- filtered queries (event-queries.ts) ------------------------------------

  async queryEvents(filter: EventFilter, page: EventPageRequest): Promise<ErrorEvent[]> {
    return (await queryEventRows((step) => this.guard(() => step(this.conn())), filter, page)).map(toEvent)
  }

  async queryEventsJson(filter: EventFilter, page: EventPageRequest): Promise<EventJson[]> {
    // doc is JSON.stringify(event) as inserted, and no statement updates an errors
    // row: it is the API's JSON for the event as it stands.
    const rows = await queryEventRows((step) => this.guard(() => step(this.conn())), filter, page, JSON_COLUMNS)
    return rows.map((row) => ({timestamp: new Date(row.timestamp), id: row.id, json: row.doc}))
  }

  async queryIssues(filter: IssueFilter, page: IssuePageRequest): Promise<Issue[]> {
    return this.guard(() => queryIssueRows(this.conn(), filter, page).map(toIssue))
  }

  async countEventsByBucket(filter: EventFilter, bucketMs: number, from: Date, to: Date): Promise<TimeBucket[]> {
    return countEventRowsByBucket((step) => this.guard(() => step(this.conn())), filter, bucketMs, from, to)
  }

  /** One process owns a SQLite database's traffic, so the counters live in memory. */
  createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract {
    return new RateLimiterMemory({keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds})
  }

  // ---- settings ------------------------------------------------------------

  async getSetting(key: string): Promise<string | null> {
    return this.guard(() => (this.s().getSetting.get(key) as {value: string} | undefined)?.value ?? null)
  }

  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.write(() => {
      // INSERT OR IGNORE + read back: another process (a CLI next to the server)
      // may win the race; whoever wins, everybody returns the stored value.
      this.s().insertSettingIfAbsent.run(key, value)
      return (this.s().getSetting.get(key) as {value: string}).value
    })
  }

  // ---- internals -----------------------------------------------------------

  private open(): Db {
    mkdirSync(dirname(this.path), {recursive: true})
    const db = new Database(this.path)
    try {
      // busy_timeout first, so even switching to WAL waits (briefly: see
      // BUSY_TIMEOUT_MS; write() retries on timers) for another process's lock.
      // WAL: readers never block the writer. synchronous=FULL: a 202 means the
      // event survived a power cut, not only a process crash.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('foreign_keys = ON')
      // SQLite's own checkpoints (on commit) stay on until the checkpoint worker
      // runs (see wrote()): a write loop that never yields to timers must not grow
      // the WAL without bound.
    } catch (err) {
      db.close()
      throw err
    }
    return db
  }

  private migrate(db: Db): void {
    const current = db.pragma('user_version', {simple: true}) as number
    if (current > MIGRATIONS.length) {
      throw new Error(
        `the database ${this.displayUrl} has schema version ${current}, newer than this crashlog knows (${MIGRATIONS.length}); upgrade crashlog`,
      )
    }
    if (current === MIGRATIONS.length) return
    // IMMEDIATE takes the write lock before re-reading the version, so two
    // processes starting at once cannot both run the same migration.
    db.transaction(() => {
      let version = db.pragma('user_version', {simple: true}) as number
      while (version < MIGRATIONS.length) {
        db.exec(MIGRATIONS[version] as string)
        version += 1
        db.pragma(`user_version = ${version}`)
      }
    }).immediate()
  }

  private prepare(db: Db) {
    const userCols = 'id, name, email, password_hash, role, created_at, updated_at'
    const projectCols =
      'id, owner_id, name, description, slug, key_hash, key_prefix, rate_limit, created_at, updated_at, key_rotated_at'
    const eventCols = 'timestamp, received_at, fingerprint, issue_id, doc'
    const issueCols = 'id, project_id, fingerprint, type, message, level, status, count, first_seen, last_seen'
    return {
      insertUser: db.prepare(
        `INSERT INTO users (${userCols}) VALUES (@id, @name, @email, @password_hash, @role, @created_at, @updated_at)`,
      ),
      userById: db.prepare(`SELECT ${userCols} FROM users WHERE id = ?`),
      userByEmail: db.prepare(`SELECT ${userCols} FROM users WHERE email = ?`),
      listUsers: db.prepare(`SELECT ${userCols} FROM users ORDER BY created_at, id`),
      countUsers: db.prepare('SELECT count(*) AS n FROM users'),

      insertProject: db.prepare(
        `INSERT INTO projects (owner_id, name, description, slug, key_hash, key_prefix, rate_limit, created_at, updated_at, key_rotated_at)
         VALUES (@owner_id, @name, @description, @slug, @key_hash, @key_prefix, @rate_limit, @created_at, @updated_at, @key_rotated_at)`,
      ),
      projectById: db.prepare(`SELECT ${projectCols} FROM projects WHERE id = ?`),
      projectBySlug: db.prepare(`SELECT ${projectCols} FROM projects WHERE slug = ?`),
      projectByKeyHash: db.prepare(`SELECT ${projectCols} FROM projects WHERE key_hash = ?`),
      listProjects: db.prepare(`SELECT ${projectCols} FROM projects ORDER BY id`),
      listProjectsByOwner: db.prepare(`SELECT ${projectCols} FROM projects WHERE owner_id = ? ORDER BY id`),
      updateProject: db.prepare(
        `UPDATE projects SET name = @name, description = @description, slug = @slug, rate_limit = @rate_limit,
         updated_at = @updated_at WHERE id = @id`,
      ),
      rotateKey: db.prepare(
        `UPDATE projects SET key_hash = @key_hash, key_prefix = @key_prefix, key_rotated_at = @now, updated_at = @now
         WHERE id = @id`,
      ),
      deleteProjectErrors: db.prepare('DELETE FROM errors WHERE project_id = ?'),
      deleteProjectIssues: db.prepare('DELETE FROM issues WHERE project_id = ?'),
      deleteProjectCounts: db.prepare('DELETE FROM event_counts WHERE project_id = ?'),
      deleteProject: db.prepare('DELETE FROM projects WHERE id = ?'),

      ...prepareEventWrites(db),
      eventById: db.prepare(`SELECT ${eventCols} FROM errors WHERE project_id = ? AND id = ?`),
      listEvents: db.prepare(
        `SELECT ${eventCols} FROM errors WHERE project_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?`,
      ),
      countEvents: db.prepare('SELECT count(*) AS n FROM errors WHERE project_id = ?'),
      deleteEventsBefore: db.prepare(
        'DELETE FROM errors WHERE rowid IN (SELECT rowid FROM errors WHERE received_at < ? ORDER BY received_at LIMIT ?)',
      ),

      issueById: db.prepare(`SELECT ${issueCols} FROM issues WHERE project_id = ? AND id = ?`),
      listIssues: db.prepare(
        `SELECT ${issueCols} FROM issues WHERE project_id = ? ORDER BY last_seen DESC, id DESC LIMIT ?`,
      ),
      setIssueStatus: db.prepare('UPDATE issues SET status = ? WHERE project_id = ? AND id = ?'),
      countsByMinute: db.prepare(
        'SELECT minute, count FROM event_counts WHERE project_id = ? AND minute >= ? AND minute < ? ORDER BY minute',
      ),
      countsByInterval: db.prepare(
        `SELECT minute - minute % @size AS start, sum(count) AS count FROM event_counts
         WHERE project_id = @projectId AND minute >= @from AND minute < @to GROUP BY start ORDER BY start`,
      ),

      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      insertSettingIfAbsent: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    }
  }

  private conn(): Db {
    if (this.db === null) throw new Error(this.closed ? 'store is closed' : 'store is not initialised: call init()')
    return this.db
  }

  private s(): NonNullable<SqliteStore['stmts']> {
    this.conn()
    if (this.stmts === null) throw new Error('store is not initialised: call init()')
    return this.stmts
  }

  /**
   * Runs a write (fn: one transaction at most, on this connection or the writer
   * thread's) until it gets the write lock. The first attempt is immediate; while another connection holds the lock,
   * attempts repeat on timers — the event loop sleeps only BUSY_TIMEOUT_MS per
   * attempt — for up to `waitMs`, then StoreUnavailableError. A lock that has been
   * held for longer than that already is presumed still held: writes arriving later
   * try once and fail at once, instead of queueing a second each behind each other.
   * `probe`: ping/init, which test the lock but are not writes (no checkpointer).
   */
  private async write<T>(fn: () => T | Promise<T>, options: {waitMs?: number; probe?: boolean} = {}): Promise<T> {
    const waitMs = options.waitMs ?? LOCK_WAIT_MS
    const started = Date.now()
    let delay = RETRY_FIRST_MS
    for (;;) {
      let busy: unknown
      try {
        const result = await fn()
        this.lockedSince = null
        if (options.probe !== true) this.wrote()
        return result
      } catch (err) {
        if (!isBusy(err)) throw this.translate(err)
        busy = err
      }
      const now = Date.now()
      // Not seen busy for a while: this is a new lock, not the old one.
      if (this.lockedSince === null || now - this.lastBusyAt > waitMs) this.lockedSince = now
      this.lastBusyAt = now
      const deadline = Math.max(started, this.lockedSince + waitMs)
      if (now >= deadline) {
        throw new StoreUnavailableError(
          `SQLite database is locked by another process (${this.path}: no write lock within ${now - started} ms); try again shortly`,
          {cause: busy},
        )
      }
      await sleep(Math.min(delay, deadline - now))
      delay = Math.min(delay * 2, RETRY_MAX_MS)
    }
  }

  /**
   * After a write: make sure the checkpoint worker runs. It starts one interval
   * later, so a CLI command that writes once and closes never pays for a thread
   * (its close, the last connection, checkpoints; or the server's worker does).
   */
  private wrote(): void {
    const options = this.checkpointerOptions
    if (this.checkpointer !== null || this.checkpointerStart !== null || options === null || this.closed) return
    this.checkpointerStart = setTimeout(() => {
      this.checkpointerStart = null
      if (this.closed || this.db === null) return
      try {
        this.checkpointer = new Checkpointer(this.path, options, () => this.onCheckpointerFailure())
        // From now on no commit pays for a checkpoint: the worker does them (or, if
        // it dies, onCheckpointerFailure() turns this back on).
        this.db.pragma('wal_autocheckpoint = 0')
      } catch {
        this.onCheckpointerFailure()
      }
    }, options.intervalMs)
    this.checkpointerStart.unref()
  }

  /** No worker (a bundled build without its file, or it died): SQLite checkpoints on commit again, as by default. */
  private onCheckpointerFailure(): void {
    this.checkpointerFailed = true
    if (this.db !== null && this.db.open) this.db.pragma('wal_autocheckpoint = 1000')
    this.writer?.setAutocheckpoint(1000)
  }

  /**
   * After events were written on this connection: start the writer thread, one delay
   * later (see DEFAULT_WRITER_START_MS). Until it is up, and if it cannot run (a
   * bundled build without its file) or dies, events are written here.
   */
  private startWriterSoon(): void {
    const options = this.writerOptions
    if (this.writer !== null || this.writerStart !== null || options === null || this.closed) return
    this.writerStart = setTimeout(() => {
      this.writerStart = null
      if (this.closed || this.db === null) return
      try {
        // The writer's commits leave checkpoints to the checkpoint worker (a commit that
        // checkpoints holds its batch back), unless there is none to do them.
        const autocheckpoint = this.checkpointerOptions === null || this.checkpointerFailed ? 1000 : 0
        this.writer = new EventWriter(this.path, {busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS, autocheckpoint}, () => this.onWriterFailure())
      } catch {
        this.onWriterFailure()
      }
    }, options.startDelayMs)
    this.writerStart.unref()
  }

  /** Events are written on this connection from now on; the thread is not started again. */
  private onWriterFailure(): void {
    this.writer = null
    this.writerOptions = null
  }

  /** Runs fn, translating SQLite errors into the store's typed errors. */
  private guard<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw this.translate(err)
    }
  }

  private translate(err: unknown): unknown {
    const code = sqliteCode(err)
    if (code === undefined) {
      // mkdir of the data folder: no permission, read-only disk, disk full.
      const errno = (err as NodeJS.ErrnoException | null)?.code
      if (typeof errno === 'string' && /^E(ACCES|PERM|ROFS|NOSPC|NOTDIR|EXIST|IO)$/.test(errno)) {
        return new StoreUnavailableError(`cannot open SQLite database at ${this.path} (${(err as Error).message})`, {
          cause: err,
        })
      }
      return err
    }
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      // The message reads "UNIQUE constraint failed: users.email".
      const columns = (err as Error).message.replace(/^.*constraint failed:\s*/i, '').trim()
      return new DuplicateKeyError(UNIQUE_FIELDS[columns] ?? columns)
    }
    if (UNAVAILABLE_CODES.test(code)) {
      return new StoreUnavailableError(
        `cannot use SQLite database at ${this.path} (${(err as Error).message})`,
        {cause: err},
      )
    }
    return err
  }
}

function optional<R, T>(row: R | undefined, map: (row: R) => T): T | null {
  return row === undefined ? null : map(row)
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role as Role,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    slug: row.slug,
    keyHash: row.key_hash,
    keyPrefix: row.key_prefix,
    rateLimit: row.rate_limit,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    keyRotatedAt: new Date(row.key_rotated_at),
  }
}

function toEvent(row: EventRow): ErrorEvent {
  const doc = JSON.parse(row.doc) as ErrorEvent
  // Columns win over the document: they are what later updates (issue grouping) touch.
  const event: ErrorEvent = {...doc, timestamp: new Date(row.timestamp), receivedAt: new Date(row.received_at)}
  if (row.fingerprint !== null) event.fingerprint = row.fingerprint
  if (row.issue_id !== null) event.issueId = row.issue_id
  return event
}

function toIssue(row: IssueRow): Issue {
  return {
    id: row.id,
    projectId: row.project_id,
    fingerprint: row.fingerprint,
    type: row.type,
    message: row.message,
    level: row.level as Level,
    status: row.status as IssueStatus,
    count: row.count,
    firstSeen: new Date(row.first_seen),
    lastSeen: new Date(row.last_seen),
  }
}

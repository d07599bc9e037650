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

/** One reported error, as stored. */
export interface ErrorEvent {
  id: string
  projectId: number
  issueId?: string
  fingerprint?: string
  receivedAt: Date
  timestamp: Date
  level: Level
  type: string
  message: string
  stack?: string
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

  /** Writes all events durably, atomically where the engine allows. */
  insertEvents(events: ErrorEvent[]): Promise<void>
  findEvent(projectId: number, id: string): Promise<ErrorEvent | null>
  /** Newest first (timestamp, then id). */
  listEvents(projectId: number, options: EventListOptions): Promise<ErrorEvent[]>
  countEvents(projectId: number): Promise<number>

  getSetting(key: string): Promise<string | null>
  /** Stores value unless the key exists; returns the value that is stored now. */
  setSettingIfAbsent(key: string, value: string): Promise<string>
}

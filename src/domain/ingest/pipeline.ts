// The one ingestion pipeline: authenticate the key → validate → sanitize → scrub →
// fingerprint → rate limit → group commit. Every entry point (POST /log-error, the
// Sentry endpoints later) goes through it.

import {UnauthorizedError, ValidationError} from '../../errors.js'
import {compileLogErrorValidator, type IngestLimits, type LogErrorBody} from '../../schemas/log-error.js'
import type {ErrorEvent, Project, Store} from '../../store/types.js'
import {newId} from '../ids.js'
import {hashApiKey} from '../keys.js'
import {computeFingerprint, framesKey, issueIdFor, normaliseMessage} from './fingerprint.js'
import {GroupCommitter} from './group-commit.js'
import type {KeyCache} from './key-cache.js'
import {Memo} from './memo.js'
import type {IngestRateLimiter, RateLimitState} from './rate-limit.js'
import {sanitizeObject, sanitizeTags, stripControl, stripControlOneLine} from './sanitize.js'
import {maskCardNumbers, type Scrubber} from './scrub.js'
import {parseStack, type StackFrame} from './stack.js'

/** What follows from a stack trace's text alone, worked out once per distinct text. */
interface StackInfo {
  /** Control characters stripped, card numbers masked. */
  stack: string
  /** Parsed from the masked text, for events that bring no frames of their own. */
  frames: StackFrame[]
  framesKey: string
}

export interface IngestOptions {
  limits: IngestLimits
  batchLimit: number
}

export interface Accepted {
  ids: string[]
  rateLimit: RateLimitState
}

export class IngestService {
  private readonly validate: (body: unknown, prefix?: string) => LogErrorBody
  private readonly committer: GroupCommitter<ErrorEvent>
  // Bounded (see Memo): ~1,000 stacks of up to 8 KiB, short messages.
  private readonly stacks = new Memo<StackInfo>(1000, 8 * 1024)
  private readonly messages = new Memo<string>(1000, 1024)

  constructor(
    private readonly store: Store,
    private readonly keyCache: KeyCache,
    private readonly rateLimiter: IngestRateLimiter,
    private readonly scrubber: Scrubber,
    private readonly options: IngestOptions,
  ) {
    this.validate = compileLogErrorValidator(options.limits)
    this.committer = new GroupCommitter((events) => store.insertEvents(events), {
      maxBatch: 1000,
      // A few writes in flight: MongoDB overlaps bulk writes; SQLite's writer thread
      // merges the batches queued behind a commit into the next one, so it is never
      // idle waiting for the event loop (on the store's own connection, writes run
      // one after another anyway).
      maxConcurrentWrites: 4,
    })
  }

  /** Missing and unknown keys get one answer. */
  async authenticate(apiKey: string | undefined): Promise<Project> {
    if (!apiKey) throw new UnauthorizedError('missing or unknown API key')
    const keyHash = hashApiKey(apiKey)
    const cached = this.keyCache.get(keyHash)
    if (cached) return cached
    const project = await this.store.findProjectByKeyHash(keyHash)
    if (!project) throw new UnauthorizedError('missing or unknown API key')
    this.keyCache.set(keyHash, project)
    return project
  }

  /** Drops a cached key, so the next request reads the project again (after a change made elsewhere). */
  forgetProject(apiKey: string): void {
    this.keyCache.evict(hashApiKey(apiKey))
  }

  /**
   * One error object or an array of them. All are validated before any is accepted:
   * one bad element rejects the request, naming its index.
   */
  prepare(project: Project, body: unknown, receivedAt = new Date()): {events: ErrorEvent[]; batch: boolean} {
    if (!Array.isArray(body)) return {events: [this.prepareOne(project, body, receivedAt)], batch: false}
    if (body.length === 0) throw new ValidationError('invalid request body: an array must hold at least one error', [{path: '(body)', message: 'must not be empty'}])
    if (body.length > this.options.batchLimit) {
      throw new ValidationError(`invalid request body: at most ${this.options.batchLimit} errors per request`, [{path: '(body)', message: `must hold at most ${this.options.batchLimit} items`}])
    }
    return {events: body.map((item, i) => this.prepareOne(project, item, receivedAt, `[${i}]`)), batch: true}
  }

  prepareOne(project: Project, body: unknown, receivedAt: Date, prefix = ''): ErrorEvent {
    return this.finish(buildEvent(project.id, this.validate(body, prefix), receivedAt))
  }

  /** Scrubs secrets and assigns the fingerprint and issue. */
  finish(event: ErrorEvent): ErrorEvent {
    const s = this.scrubber
    event.message = maskCardNumbers(event.message)
    let frames: string | undefined
    if (event.stack !== undefined) {
      const info = this.stacks.get(event.stack, stackInfo)
      event.stack = info.stack
      // Events share the cached frames: nothing changes an event's frames after this.
      if (event.frames.length === 0) {
        event.frames = info.frames
        frames = info.framesKey
      }
    }
    event.tags = s.scrubObject(event.tags)
    if (event.url !== undefined) event.url = s.scrubUrl(event.url)
    if (event.client) event.client = s.scrubObject(event.client)
    if (event.user) event.user = s.scrubObject(event.user)
    if (event.contexts) event.contexts = s.scrubObject(event.contexts)
    const custom = event.fingerprint || undefined
    event.fingerprint = computeFingerprint(
      {type: event.type, message: event.message, frames: event.frames, fingerprint: custom},
      custom === undefined ? {framesKey: frames, normalisedMessage: this.messages.get(event.message, normaliseMessage)} : {},
    )
    event.issueId = issueIdFor(event.projectId, event.fingerprint)
    return event
  }

  /** Rate limit, then resolve once every event is durably written (its batch committed). */
  async accept(project: Project, events: ErrorEvent[]): Promise<Accepted> {
    const rateLimit = await this.rateLimiter.consume(project, events.length)
    await this.committer.submit(events)
    return {ids: events.map((e) => e.id), rateLimit}
  }

  /** For tests and the CLI: one error, straight through. */
  async ingest(project: Project, body: unknown): Promise<string> {
    const {events} = this.prepare(project, body)
    return (await this.accept(project, events)).ids[0]
  }

  /** Shutdown: refuse new events, write every queued one. */
  async close(): Promise<void> {
    await this.committer.close()
  }
}

function stackInfo(raw: string): StackInfo {
  // stripControl again for an event that came cleaned (Sentry's): it changes nothing.
  const stack = maskCardNumbers(stripControl(raw))
  const frames = stack ? parseStack(stack) : []
  return {stack, frames, framesKey: framesKey(frames)}
}

function toDate(timestamp: string | number | undefined, fallback: Date): Date {
  if (timestamp === undefined) return fallback
  const date = new Date(timestamp)
  return Number.isNaN(date.getTime()) ? fallback : date
}

/** The event from a validated body, its fields cleaned; finish() (always next) cleans the stack, scrubs and groups. */
export function buildEvent(projectId: number, body: LogErrorBody, receivedAt: Date): ErrorEvent {
  const event: ErrorEvent = {
    id: newId(),
    projectId,
    issueId: '',
    fingerprint: '',
    receivedAt,
    timestamp: toDate(body.timestamp, receivedAt),
    level: body.level ?? 'error',
    type: stripControlOneLine(body.type ?? 'Error'),
    message: stripControl(body.message),
    frames: [],
    tags: sanitizeTags(body.tags ?? {}),
  }
  // As given: finish() cleans it (once per distinct stack text, see stackInfo).
  if (body.stack !== undefined) event.stack = body.stack
  if (body.environment !== undefined) event.environment = stripControlOneLine(body.environment)
  if (body.release !== undefined) event.release = stripControlOneLine(body.release)
  if (body.platform !== undefined) event.platform = stripControlOneLine(body.platform)
  if (body.url !== undefined) event.url = stripControlOneLine(body.url)
  if (body.browser !== undefined) event.browser = sanitizeObject(body.browser) as ErrorEvent['browser']
  if (body.os !== undefined) event.os = sanitizeObject(body.os) as ErrorEvent['os']
  if (body.client !== undefined) event.client = sanitizeObject(body.client)
  if (body.user !== undefined) event.user = sanitizeObject(body.user)
  // The client's own grouping key; replaced by its hash in finish().
  if (body.fingerprint !== undefined) {
    event.fingerprint = stripControlOneLine(Array.isArray(body.fingerprint) ? body.fingerprint.join('\u241f') : body.fingerprint)
  }
  return event
}

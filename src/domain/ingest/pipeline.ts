// The one ingestion pipeline: authenticate the key → validate → sanitize → build the
// stored event → write. Every entry point (POST /log-error now, the Sentry endpoints
// later) goes through it.

import {UnauthorizedError} from '../../errors.js'
import {compileLogErrorValidator, type IngestLimits, type LogErrorBody} from '../../schemas/log-error.js'
import type {ErrorEvent, Project, Store} from '../../store/types.js'
import {newId} from '../ids.js'
import {hashApiKey} from '../keys.js'
import type {KeyCache} from './key-cache.js'
import {sanitizeObject, sanitizeTags, stripControl, stripControlOneLine} from './sanitize.js'

export class IngestService {
  private readonly validate: (body: unknown) => LogErrorBody

  constructor(
    private readonly store: Store,
    private readonly keyCache: KeyCache,
    limits: IngestLimits,
  ) {
    this.validate = compileLogErrorValidator(limits)
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

  /** Validates and builds the stored event without writing it. */
  prepare(project: Project, body: unknown, receivedAt = new Date()): ErrorEvent {
    return buildEvent(project.id, this.validate(body), receivedAt)
  }

  /** Resolves with the new event's id once it is durably written. */
  async ingest(project: Project, body: unknown): Promise<string> {
    const event = this.prepare(project, body)
    await this.store.insertEvents([event])
    return event.id
  }
}

function toDate(timestamp: string | number | undefined, fallback: Date): Date {
  if (timestamp === undefined) return fallback
  const date = new Date(timestamp)
  return Number.isNaN(date.getTime()) ? fallback : date
}

export function buildEvent(projectId: number, body: LogErrorBody, receivedAt: Date): ErrorEvent {
  const event: ErrorEvent = {
    id: newId(),
    projectId,
    receivedAt,
    timestamp: toDate(body.timestamp, receivedAt),
    level: body.level ?? 'error',
    type: stripControlOneLine(body.type ?? 'Error'),
    message: stripControl(body.message),
    tags: sanitizeTags(body.tags ?? {}),
  }
  if (body.stack !== undefined) event.stack = stripControl(body.stack)
  if (body.environment !== undefined) event.environment = stripControlOneLine(body.environment)
  if (body.release !== undefined) event.release = stripControlOneLine(body.release)
  if (body.platform !== undefined) event.platform = stripControlOneLine(body.platform)
  if (body.url !== undefined) event.url = stripControlOneLine(body.url)
  if (body.browser !== undefined) event.browser = sanitizeObject(body.browser) as ErrorEvent['browser']
  if (body.os !== undefined) event.os = sanitizeObject(body.os) as ErrorEvent['os']
  if (body.client !== undefined) event.client = sanitizeObject(body.client)
  if (body.user !== undefined) event.user = sanitizeObject(body.user)
  if (body.fingerprint !== undefined) {
    event.fingerprint = stripControlOneLine(Array.isArray(body.fingerprint) ? body.fingerprint.join('\u241f') : body.fingerprint)
  }
  return event
}

// The data plane: ingestion routes served by a plain Node request listener, in front
// of Koa. Koa's per-request cost is the largest share of an ingest, and ingestion is
// the traffic that matters; every other request falls through to the Koa app (the
// control plane). Both use the same domain services and the same error shape.
//
//   POST /log-error                  crashlog's own API (X-API-KEY)
//   POST /api/:projectId/envelope/   Sentry SDKs (envelopes)
//   POST /api/:projectId/store/      Sentry SDKs (one event)

import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Config} from '../config.js'
import {rateLimitHeaders} from '../domain/ingest/rate-limit.js'
import {keyFromAuthHeader, mapSentryEvent, parseDsn, parseEnvelope} from '../domain/ingest/sentry.js'
import type {Services} from '../domain/services.js'
import {AppError, UnauthorizedError, UnsupportedMediaTypeError} from '../errors.js'
import type {ErrorEvent, Project} from '../store/types.js'
import {readBody} from './read-body.js'
import {errorReply, sendJson} from './respond.js'

// Browser apps post from their own origin: any origin may send, with the key header.
const LOG_ERROR_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset',
}
const LOG_ERROR_PREFLIGHT = {
  ...LOG_ERROR_CORS,
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding, X-API-KEY',
  'Access-Control-Max-Age': '86400',
}
const SENTRY_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After, X-Sentry-Rate-Limits',
}
const SENTRY_PREFLIGHT = {
  ...SENTRY_CORS,
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding, X-Sentry-Auth, sentry-trace, baggage',
  'Access-Control-Max-Age': '86400',
}
const SENTRY_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br']
const SENTRY_ROUTE = /^\/api\/([0-9]{1,15})\/(envelope|store)\/?$/

export type DataPlane = (req: IncomingMessage, res: ServerResponse) => boolean

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false
  const type = contentType.split(';', 1)[0].trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch {
    throw new AppError(400, 'invalid_json', 'request body is not valid JSON')
  }
}

/** Returns false for requests it does not serve, so the caller hands them to Koa. */
export function createDataPlane(deps: {config: Config; services: Services; log: (line: string) => void}): DataPlane {
  const {config, services, log} = deps
  const ingest = services.ingest

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown, where: string, cors: Record<string, string>, sentry = false): void {
    const reply = errorReply(err, log, where)
    const headers = {...cors, ...reply.headers}
    if (sentry && reply.status === 429) headers['X-Sentry-Rate-Limits'] = `${reply.headers['Retry-After'] ?? '60'}:error;default:project`
    if (!req.complete) {
      // Answer without waiting for a body we will not read, and close the connection.
      req.resume()
      headers.Connection = 'close'
    }
    sendJson(res, reply.status, reply.body, headers)
  }

  async function logError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // The key is checked before the body is read: unauthenticated clients cost nothing.
      const header = req.headers['x-api-key']
      const project = await ingest.authenticate(typeof header === 'string' && header ? header : undefined)
      if (!isJson(req.headers['content-type'])) throw new UnsupportedMediaTypeError()
      const body = parseJson(await readBody(req, config.limits.bodyBytes))
      const {events, batch} = ingest.prepare(project, body)
      const accepted = await ingest.accept(project, events)
      sendJson(res, 202, batch ? {ids: accepted.ids} : {id: accepted.ids[0]}, {...LOG_ERROR_CORS, ...rateLimitHeaders(accepted.rateLimit)})
    } catch (err) {
      fail(req, res, err, 'POST /log-error', LOG_ERROR_CORS)
    }
  }

  /** A key that belongs to another project gets the same answer as an unknown key. */
  async function projectFor(key: string | undefined, projectId: number): Promise<Project> {
    const project = await ingest.authenticate(key)
    if (project.id !== projectId) throw new UnauthorizedError('missing or unknown API key')
    return project
  }

  async function sentry(req: IncomingMessage, res: ServerResponse, projectId: number, kind: 'envelope' | 'store', query: URLSearchParams): Promise<void> {
    try {
      const given = query.get('sentry_key') ?? keyFromAuthHeader(req.headers['x-sentry-auth'] as string | undefined)
      let project = given ? await projectFor(given, projectId) : undefined
      // SDKs send text/plain (no CORS preflight), JSON, the envelope type, or nothing: the route decides.
      const raw = await readBody(req, config.limits.envelopeBytes, SENTRY_ENCODINGS)
      const receivedAt = new Date()
      let payloads: unknown[]
      let headerEventId: unknown
      if (kind === 'store') {
        payloads = [parseJson(raw)]
      } else {
        const envelope = parseEnvelope(raw)
        headerEventId = envelope.header.event_id
        // Without a key in the query or header, the envelope's own DSN names it.
        project ??= await projectFor(parseDsn(envelope.header.dsn)?.key, projectId)
        // Only events are stored; sessions, client reports, transactions, attachments… are accepted and skipped.
        payloads = envelope.items.filter((item) => item.type === 'event').map((item) => parseJson(item.payload))
      }
      if (!project) throw new UnauthorizedError('missing or unknown API key')
      const target = project
      // Every event is mapped before any is accepted: one bad item stores nothing.
      const events: ErrorEvent[] = payloads.map((p) => ingest.finish(mapSentryEvent(target.id, p, config.limits, receivedAt)))
      if (events.length > 0) await ingest.accept(target, events)
      const id = events[0]?.id ?? (typeof headerEventId === 'string' ? headerEventId : undefined)
      sendJson(res, 200, id ? {id} : {}, SENTRY_CORS)
    } catch (err) {
      fail(req, res, err, `POST /api/${projectId}/${kind}/`, SENTRY_CORS, true)
    }
  }

  return function dataPlane(req, res) {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    if (path === '/log-error') {
      if (req.method === 'POST') void logError(req, res)
      else if (req.method === 'OPTIONS') {
        res.writeHead(204, LOG_ERROR_PREFLIGHT)
        res.end()
      } else sendJson(res, 405, {error: {code: 'method_not_allowed', message: `${req.method} is not allowed on /log-error`}}, {Allow: 'POST, OPTIONS'})
      return true
    }
    const sentryRoute = SENTRY_ROUTE.exec(path)
    if (sentryRoute) {
      if (req.method === 'POST') void sentry(req, res, Number(sentryRoute[1]), sentryRoute[2] as 'envelope' | 'store', new URLSearchParams(q < 0 ? '' : url.slice(q + 1)))
      else if (req.method === 'OPTIONS') {
        res.writeHead(204, SENTRY_PREFLIGHT)
        res.end()
      } else sendJson(res, 405, {error: {code: 'method_not_allowed', message: `${req.method} is not allowed on ${path}`}}, {Allow: 'POST, OPTIONS', ...SENTRY_CORS})
      return true
    }
    return false
  }
}

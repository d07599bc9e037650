// The data plane: ingestion routes served by a plain Node request listener, in front
// of Koa. Koa's per-request cost is the largest share of an ingest, and ingestion is
// the traffic that matters; every other request falls through to the Koa app (the
// control plane). Both use the same domain services and the same error shape.

import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Config} from '../config.js'
import {rateLimitHeaders} from '../domain/ingest/rate-limit.js'
import type {Services} from '../domain/services.js'
import {AppError, UnsupportedMediaTypeError} from '../errors.js'
import {readBody} from './read-body.js'
import {errorReply, sendJson} from './respond.js'

// Browser apps post from their own origin: any origin may send, with the key header.
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset',
}
const PREFLIGHT_HEADERS = {
  ...CORS_HEADERS,
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding, X-API-KEY',
  'Access-Control-Max-Age': '86400',
}

export type DataPlane = (req: IncomingMessage, res: ServerResponse) => boolean

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false
  const type = contentType.split(';', 1)[0].trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

/** Returns false for requests it does not serve, so the caller hands them to Koa. */
export function createDataPlane(deps: {config: Config; services: Services; log: (line: string) => void}): DataPlane {
  const {config, services, log} = deps
  const ingest = services.ingest

  async function logError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // The key is checked before the body is read: unauthenticated clients cost nothing.
      const header = req.headers['x-api-key']
      const project = await ingest.authenticate(typeof header === 'string' && header ? header : undefined)
      if (!isJson(req.headers['content-type'])) throw new UnsupportedMediaTypeError()
      const raw = await readBody(req, config.limits.bodyBytes)
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        throw new AppError(400, 'invalid_json', 'request body is not valid JSON (an object or an array is expected)')
      }
      const {events, batch} = ingest.prepare(project, body)
      const accepted = await ingest.accept(project, events)
      const headers = {...CORS_HEADERS, ...rateLimitHeaders(accepted.rateLimit)}
      sendJson(res, 202, batch ? {ids: accepted.ids} : {id: accepted.ids[0]}, headers)
    } catch (err) {
      const reply = errorReply(err, log, 'POST /log-error')
      if (!req.complete) {
        // Answer without waiting for a body we will not read, and close the connection.
        req.resume()
        reply.headers = {...reply.headers, Connection: 'close'}
      }
      sendJson(res, reply.status, reply.body, {...CORS_HEADERS, ...reply.headers})
    }
  }

  return function dataPlane(req, res) {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    if (path !== '/log-error') return false
    if (req.method === 'POST') {
      void logError(req, res)
      return true
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, PREFLIGHT_HEADERS)
      res.end()
      return true
    }
    sendJson(res, 405, {error: {code: 'method_not_allowed', message: `${req.method} is not allowed on /log-error`}}, {Allow: 'POST, OPTIONS'})
    return true
  }
}

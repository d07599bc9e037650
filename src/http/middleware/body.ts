import bodyParser from 'koa-bodyparser'
import type {Context, Next} from 'koa'
import {AppError, PayloadTooLargeError, UnsupportedMediaTypeError} from '../../errors.js'

/** Errors from reading and parsing a body (raw-body / co-body) as typed errors. */
export function bodyReadError(err: {status?: number; type?: string}, limitBytes: number): AppError {
  if (err.type === 'entity.too.large' || err.status === 413) return new PayloadTooLargeError(limitBytes)
  if (err.type === 'encoding.unsupported' || err.status === 415) return new UnsupportedMediaTypeError()
  if (err.type === 'request.aborted') return new AppError(400, 'request_aborted', 'request aborted')
  return new AppError(400, 'invalid_json', 'request body is not valid JSON (an object or an array is expected)')
}

/**
 * JSON bodies only, capped at `limitBytes` while reading (raw-body stops at the limit,
 * so an oversized body costs bounded memory). Anything that is not JSON is a 415.
 */
export function jsonBody(limitBytes: number) {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: `${limitBytes}b`,
    strict: true,
    onerror: (err) => {
      throw bodyReadError(err as {status?: number; type?: string}, limitBytes)
    },
  })
  return async function parseJson(ctx: Context, next: Next): Promise<void> {
    // An empty body (Content-Length: 0) needs no type; ctx.is() is false for a body of another type.
    if (ctx.request.length !== 0 && ctx.is('application/json', '+json') === false) throw new UnsupportedMediaTypeError()
    return parse(ctx, next)
  }
}

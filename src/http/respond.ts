import type {ServerResponse} from 'node:http'
import {AppError} from '../errors.js'
import {StoreUnavailableError} from '../store/types.js'

interface HttpLikeError {
  status?: number
  statusCode?: number
  expose?: boolean
  message?: string
}

/** Maps anything thrown below to the one error shape. No stack ever reaches a client. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err
  if (err instanceof StoreUnavailableError) {
    return new AppError(503, 'unavailable', 'database unavailable; try again shortly', {headers: {'Retry-After': '5'}})
  }
  const e = (err ?? {}) as HttpLikeError
  const status = e.status ?? e.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose) {
    return new AppError(status, 'bad_request', e.message ?? 'bad request')
  }
  return null
}

export interface ErrorReply {
  status: number
  headers: Record<string, string>
  body: {error: {code: string; message: string; details?: Array<{path: string; message: string}>}}
}

/** The one error shape for both planes; unknown errors become a logged 500 without details. */
export function errorReply(err: unknown, log: (line: string) => void, where: string): ErrorReply {
  const appError = toAppError(err)
  if (!appError) log(`error: ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  return {
    status: appError?.status ?? 500,
    headers: appError?.headers ?? {},
    body: {
      error: {
        code: appError?.code ?? 'internal',
        message: appError?.message ?? 'internal server error',
        ...(appError?.details ? {details: appError.details} : {}),
      },
    },
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(payload)
}

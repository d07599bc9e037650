import type {Context, Next} from 'koa'
import {AppError} from '../../errors.js'
import {StoreUnavailableError} from '../../store/types.js'

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

export function errorHandler(log: (line: string) => void) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next()
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404
        ctx.body = {error: {code: 'not_found', message: `no route for ${ctx.method} ${ctx.path}`}}
      } else if (ctx.status === 405 && (ctx.body === undefined || typeof ctx.body === 'string')) {
        ctx.body = {error: {code: 'method_not_allowed', message: `${ctx.method} is not allowed on ${ctx.path}`}}
      }
    } catch (err) {
      const appError = toAppError(err)
      if (!appError) {
        log(`error: ${ctx.method} ${ctx.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      }
      const status = appError?.status ?? 500
      ctx.status = status
      for (const [name, value] of Object.entries(appError?.headers ?? {})) ctx.set(name, value)
      ctx.body = {
        error: {
          code: appError?.code ?? 'internal',
          message: appError?.message ?? 'internal server error',
          ...(appError?.details ? {details: appError.details} : {}),
        },
      }
    }
  }
}

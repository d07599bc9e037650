import type {Context, Next} from 'koa'
import {errorReply} from '../respond.js'

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
      const reply = errorReply(err, log, `${ctx.method} ${ctx.path}`)
      ctx.status = reply.status
      for (const [name, value] of Object.entries(reply.headers)) ctx.set(name, value)
      ctx.body = reply.body
    }
  }
}

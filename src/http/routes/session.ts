import Router from '@koa/router'
import type {Config} from '../../config.js'
import type {Services} from '../../domain/services.js'
import {publicUser, type PublicUser} from '../../domain/users.js'
import {AppError} from '../../errors.js'
import {endSession, refreshCsrfCookie, sessionToken} from '../middleware/session.js'

export interface SessionReply {
  /** The signed-in user, or null. */
  user: PublicUser | null
  /** Whether `POST /signup` is open, so the dashboard can offer it. */
  signup: Config['signup']
}

/**
 * `GET /session` tells the dashboard who is signed in (by the session cookie or a Bearer
 * token) without failing when nobody is; `POST /logout` ends the cookie session.
 * Starting a session is `POST /login` / `POST /signup` (routes/accounts.ts).
 */
export function sessionRoutes(services: Services, config: Pick<Config, 'signup'>): Router {
  const router = new Router()

  router.get('/session', async (ctx) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1]
    const cookie = sessionToken(ctx)
    const token = bearer ?? cookie
    let user: PublicUser | null = null
    if (token) {
      try {
        const found = await services.users.findById(services.tokens.verify(token))
        if (found) user = publicUser(found)
      } catch (err) {
        // An expired or forged token means "nobody"; a database failure is still an error.
        if (!(err instanceof AppError) || err.status !== 401) throw err
      }
      if (!bearer && cookie) {
        if (user) refreshCsrfCookie(ctx, cookie)
        else endSession(ctx)
      }
    }
    const reply: SessionReply = {user, signup: config.signup}
    ctx.body = reply
  })

  // Always succeeds: logging out must work with an expired or missing session too.
  // Cross-site requests are refused by sessionRouteGuard.
  router.post('/logout', (ctx) => {
    endSession(ctx)
    ctx.status = 204
  })

  return router
}

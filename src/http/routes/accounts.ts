import Router from '@koa/router'
import type {Services} from '../../domain/services.js'
import {normaliseEmail, publicUser} from '../../domain/users.js'
import {UnauthorizedError} from '../../errors.js'
import {validateLogin, validateSignup} from '../../schemas/accounts.js'
import type {LoginLimiter} from '../../domain/login-limiter.js'
import {startSession} from '../middleware/session.js'

export function accountRoutes(services: Services, loginLimiter: LoginLimiter): Router {
  const router = new Router()

  router.post('/signup', async (ctx) => {
    const user = await services.users.signup(validateSignup(ctx.request.body))
    const token = services.tokens.issue(user)
    // The dashboard's session: the same token in an HttpOnly cookie (API clients ignore it).
    startSession(ctx, token)
    ctx.status = 201
    ctx.body = {user: publicUser(user), token}
  })

  router.post('/login', async (ctx) => {
    const body = validateLogin(ctx.request.body)
    const email = normaliseEmail(body.email)
    await loginLimiter.check(email, ctx.ip)
    try {
      const user = await services.users.authenticate(body)
      await loginLimiter.recordSuccess(email)
      const token = services.tokens.issue(user)
      startSession(ctx, token)
      ctx.body = {user: publicUser(user), token}
    } catch (err) {
      if (err instanceof UnauthorizedError) await loginLimiter.recordFailure(email, ctx.ip)
      throw err
    }
  })

  return router
}

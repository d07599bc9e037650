import Router from '@koa/router'
import type {Services} from '../../domain/services.js'
import {normaliseEmail, publicUser} from '../../domain/users.js'
import {UnauthorizedError} from '../../errors.js'
import {validateLogin, validateSignup} from '../../schemas/accounts.js'
import type {LoginLimiter} from '../../domain/login-limiter.js'

export function accountRoutes(services: Services, loginLimiter: LoginLimiter): Router {
  const router = new Router()

  router.post('/signup', async (ctx) => {
    const user = await services.users.signup(validateSignup(ctx.request.body))
    ctx.status = 201
    ctx.body = {user: publicUser(user), token: services.tokens.issue(user)}
  })

  router.post('/login', async (ctx) => {
    const body = validateLogin(ctx.request.body)
    const email = normaliseEmail(body.email)
    await loginLimiter.check(email, ctx.ip)
    try {
      const user = await services.users.authenticate(body)
      await loginLimiter.recordSuccess(email)
      ctx.body = {user: publicUser(user), token: services.tokens.issue(user)}
    } catch (err) {
      if (err instanceof UnauthorizedError) await loginLimiter.recordFailure(email, ctx.ip)
      throw err
    }
  })

  return router
}

import type {Context, Next} from 'koa'
import {UnauthorizedError} from '../../errors.js'
import type {Actor} from '../../domain/projects.js'
import type {Services} from '../../domain/services.js'
import type {User} from '../../store/types.js'
import {assertCsrf, sessionToken} from './session.js'

export interface AuthState {
  user: User
  actor: Actor
}

/**
 * `Authorization: Bearer <jwt>`, or else the dashboard's session cookie (CSRF-checked
 * for state-changing requests); the user is re-read so a deleted user's token stops working.
 */
export function requireUser(services: Services) {
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('authorization')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const cookie = match || header ? undefined : sessionToken(ctx)
    const token = match?.[1] ?? cookie
    if (!token) throw new UnauthorizedError('missing bearer token')
    const userId = services.tokens.verify(token)
    if (cookie) assertCsrf(ctx, cookie)
    const user = await services.users.findById(userId)
    if (!user) throw new UnauthorizedError('invalid token')
    const state = ctx.state as AuthState
    state.user = user
    state.actor = {userId: user.id, role: user.role}
    await next()
  }
}

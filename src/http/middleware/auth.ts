import type {Context, Next} from 'koa'
import {UnauthorizedError} from '../../errors.js'
import type {Actor} from '../../domain/projects.js'
import type {Services} from '../../domain/services.js'
import type {User} from '../../store/types.js'

export interface AuthState {
  user: User
  actor: Actor
}

/** `Authorization: Bearer <jwt>`; the user is re-read so a deleted user's token stops working. */
export function requireUser(services: Services) {
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('authorization')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match) throw new UnauthorizedError('missing bearer token')
    const userId = services.tokens.verify(match[1])
    const user = await services.users.findById(userId)
    if (!user) throw new UnauthorizedError('invalid token')
    const state = ctx.state as AuthState
    state.user = user
    state.actor = {userId: user.id, role: user.role}
    await next()
  }
}

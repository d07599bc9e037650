import jwt from 'jsonwebtoken'
import {UnauthorizedError} from '../errors.js'
import type {User} from '../store/types.js'

// The algorithm is pinned both ways: a token signed with anything but HS256
// (including "none") is refused.
const ALGORITHM = 'HS256'

export class TokenService {
  constructor(
    private readonly secret: string,
    private readonly expiresInSeconds: number,
  ) {}

  issue(user: User): string {
    return jwt.sign({}, this.secret, {algorithm: ALGORITHM, expiresIn: this.expiresInSeconds, subject: user.id})
  }

  /** Returns the user id the token was issued to. */
  verify(token: string): string {
    try {
      const payload = jwt.verify(token, this.secret, {algorithms: [ALGORITHM]})
      if (typeof payload === 'object' && typeof payload.sub === 'string' && payload.sub) return payload.sub
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new UnauthorizedError('token expired; log in again')
    }
    throw new UnauthorizedError('invalid token')
  }
}

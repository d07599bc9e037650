import {RateLimiterMemory, RateLimiterRes} from 'rate-limiter-flexible'
import {RateLimitedError} from '../errors.js'

/**
 * Slows password guessing: after N failed logins for one email (or M from one IP)
 * within the window, further attempts get 429 until the window passes.
 * Only failures count, so a user who types the password right is never slowed.
 * Counters are per instance (memory).
 */
export class LoginLimiter {
  private readonly byEmail: RateLimiterMemory
  private readonly byIp: RateLimiterMemory

  constructor(options: {maxPerEmail: number; maxPerIp: number; windowSeconds: number}) {
    this.byEmail = new RateLimiterMemory({keyPrefix: 'login-email', points: options.maxPerEmail, duration: options.windowSeconds})
    this.byIp = new RateLimiterMemory({keyPrefix: 'login-ip', points: options.maxPerIp, duration: options.windowSeconds})
  }

  /** Throws RateLimitedError when either counter is used up. */
  async check(email: string, ip: string): Promise<void> {
    for (const [limiter, key] of [[this.byEmail, email], [this.byIp, ip]] as const) {
      const res = await limiter.get(key)
      if (res && res.consumedPoints >= limiter.points) {
        throw new RateLimitedError(res.msBeforeNext / 1000, 'too many failed logins; try again later')
      }
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.consume(this.byEmail, email), this.consume(this.byIp, ip)])
  }

  async recordSuccess(email: string): Promise<void> {
    await this.byEmail.delete(email)
  }

  private async consume(limiter: RateLimiterMemory, key: string): Promise<void> {
    try {
      await limiter.consume(key)
    } catch (err) {
      // Rejection with a RateLimiterRes only means the counter is now used up.
      if (!(err instanceof RateLimiterRes)) throw err
    }
  }
}

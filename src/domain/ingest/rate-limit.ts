import {RateLimiterRes, type RateLimiterAbstract} from 'rate-limiter-flexible'
import {RateLimitedError} from '../../errors.js'
import type {Project, RateLimiterOptions} from '../../store/types.js'

/** Given by the store: in memory for SQLite, in the database (shared by instances) for MongoDB. */
export type RateLimiterFactory = (options: RateLimiterOptions) => RateLimiterAbstract

export interface RateLimitState {
  limit: number
  remaining: number
  /** Seconds until the window resets. */
  resetSeconds: number
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(Math.max(0, state.remaining)),
    'X-RateLimit-Reset': String(state.resetSeconds),
  }
}

/** Events per minute per project: the instance default, or the project's own override. */
export class IngestRateLimiter {
  // One limiter per distinct limit; rate-limiter-flexible fixes `points` per limiter.
  private readonly limiters = new Map<number, RateLimiterAbstract>()

  constructor(
    private readonly factory: RateLimiterFactory,
    private readonly defaultPerMinute: number,
  ) {}

  limitFor(project: Project): number {
    return project.rateLimit ?? this.defaultPerMinute
  }

  /** Takes `events` points from the project's budget, or throws 429 with the headers. */
  async consume(project: Project, events: number): Promise<RateLimitState> {
    const limit = this.limitFor(project)
    let limiter = this.limiters.get(limit)
    if (!limiter) {
      limiter = this.factory({keyPrefix: `ingest-${limit}`, points: limit, durationSeconds: 60})
      this.limiters.set(limit, limiter)
    }
    try {
      const res = await limiter.consume(String(project.id), events)
      return {limit, remaining: res.remainingPoints, resetSeconds: Math.ceil(res.msBeforeNext / 1000)}
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err
      const state = {limit, remaining: 0, resetSeconds: Math.ceil(err.msBeforeNext / 1000)}
      throw new RateLimitedError(err.msBeforeNext / 1000, `rate limit of ${limit} events per minute exceeded for this project`, rateLimitHeaders(state))
    }
  }
}

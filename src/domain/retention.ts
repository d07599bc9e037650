import type {Store} from '../store/types.js'

// A delete holds the event loop (SQLite is synchronous): ~110 µs per event with its
// index and term rows (measured at 50k events), so ~11 ms per batch.
const BATCH = 100
const EVERY_MS = 60 * 60 * 1000

/**
 * Deletes events older than `days` in the background, in small batches so the
 * database is never busy for long; issues and counters keep their totals.
 * (TTL indexes would do this on MongoDB, but FerretDB has none.)
 */
export class RetentionJob {
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = false

  constructor(
    private readonly store: Store,
    private readonly days: number,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    if (this.days <= 0) return
    const tick = () => {
      this.running = this.runOnce().then(
        (n) => {
          if (n > 0) this.log(`retention: deleted ${n} events older than ${this.days} days`)
        },
        (err: Error) => this.log(`retention: ${err.message}`),
      )
    }
    // First pass shortly after start, off the start-up path.
    this.timer = setTimeout(function again(this: RetentionJob) {
      tick()
      this.timer = setTimeout(again.bind(this), EVERY_MS).unref()
    }.bind(this), 5000).unref()
  }

  /** Deletes every expired event, batch by batch; returns how many. */
  async runOnce(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.days * 86_400_000)
    let total = 0
    while (!this.stopped) {
      const deleted = await this.store.deleteEventsBefore(cutoff, BATCH)
      total += deleted
      if (deleted < BATCH) break
      // Let requests in between batches.
      await new Promise((resolve) => setImmediate(resolve))
    }
    return total
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }
}

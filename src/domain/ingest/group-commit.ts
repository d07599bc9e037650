// Group commit: requests that arrive together are written together — one SQLite
// transaction or one MongoDB bulk write — and each caller is answered only after
// the write that holds its events has committed.

interface Waiter<T> {
  items: T[]
  resolve: () => void
  reject: (err: unknown) => void
}

export class GroupCommitter<T> {
  private queue: Waiter<T>[] = []
  private queued = 0
  private scheduled = false
  private writing = 0
  private closed = false
  private idle: Array<() => void> = []

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: {maxBatch: number; maxConcurrentWrites: number} = {maxBatch: 1000, maxConcurrentWrites: 1},
  ) {}

  /** Resolves once `items` are durably written; rejects with the write's error. */
  submit(items: T[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('shutting down'))
    return new Promise<void>((resolve, reject) => {
      this.queue.push({items, resolve, reject})
      this.queued += items.length
      if (this.queued >= this.options.maxBatch) this.drain()
      else this.schedule()
    })
  }

  /** Writes everything queued and waits for every write in flight. */
  async flush(): Promise<void> {
    this.drain()
    while (this.writing > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve))
      this.drain()
    }
  }

  /** Refuses new work, then flushes. */
  async close(): Promise<void> {
    this.closed = true
    await this.flush()
  }

  get pending(): number {
    return this.queued
  }

  // setImmediate runs once the current round of I/O callbacks is done: every request
  // parsed in this turn of the event loop joins the batch, and none waits on a timer.
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.drain()
    })
  }

  private drain(): void {
    while (this.queue.length > 0 && this.writing < this.options.maxConcurrentWrites) {
      const batch: Waiter<T>[] = []
      let size = 0
      while (this.queue.length > 0 && (size === 0 || size + this.queue[0].items.length <= this.options.maxBatch)) {
        const waiter = this.queue.shift()!
        batch.push(waiter)
        size += waiter.items.length
      }
      this.queued -= size
      this.writing++
      this.run(batch)
    }
  }

  private run(batch: Waiter<T>[]): void {
    const items = batch.length === 1 ? batch[0].items : batch.flatMap((w) => w.items)
    let done: Promise<void>
    try {
      done = this.write(items)
    } catch (err) {
      done = Promise.reject(err)
    }
    done.then(
      () => batch.forEach((w) => w.resolve()),
      (err) => batch.forEach((w) => w.reject(err)),
    ).finally(() => {
      this.writing--
      // More arrived while this write ran: they form the next batch at once.
      if (this.queue.length > 0) this.drain()
      // flush() re-checks after every write.
      this.idle.splice(0).forEach((wake) => wake())
    })
  }
}

// The main-thread side of the event writer thread (event-writer-worker.ts): batches of
// events go to a worker with its own connection, which answers once they are committed.
// Meanwhile the event loop keeps parsing requests, so the next batch gathers while this
// one is on its way to disk.

import {Worker} from 'node:worker_threads'
import Database from 'better-sqlite3'
import type {EventWriterData, EventWriterReply, EventWriterRequest} from './event-writer-worker.js'

/** The worker is gone (it died, or was stopped) before answering: the batch may or may not be committed. */
export class WriterGoneError extends Error {}

/** The compiled worker next to this file (dist/…/event-writer-worker.js), or the .ts source under tsx. */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./event-writer-worker${ext}`, import.meta.url)
}

interface Pending {
  resolve: () => void
  reject: (err: Error) => void
}

export class EventWriter {
  private worker: Worker | null
  private ready = false
  private readonly pending = new Map<number, Pending>()
  private seq = 0
  private stopping = false

  /**
   * `onFailure` runs once if the worker cannot start (e.g. its file is missing in a
   * bundled build) or dies: the store then writes on its own connection again.
   */
  constructor(path: string, options: {busyTimeoutMs: number; autocheckpoint: number}, onFailure: (err: Error) => void) {
    const data: EventWriterData = {path, busyTimeoutMs: options.busyTimeoutMs, autocheckpoint: options.autocheckpoint}
    const worker = new Worker(workerUrl(), {workerData: data})
    this.worker = worker
    // Never what keeps a process alive: close() stops it.
    worker.unref()
    let failed = false
    const fail = (err: Error): void => {
      this.worker = null
      this.ready = false
      this.rejectAll(new WriterGoneError(err.message))
      if (failed || this.stopping) return
      failed = true
      onFailure(err)
    }
    worker.on('message', (reply: EventWriterReply) => {
      if (reply.type === 'ready') {
        this.ready = this.worker !== null
        return
      }
      const waiter = this.pending.get(reply.seq)
      if (waiter === undefined) return
      this.pending.delete(reply.seq)
      if (this.pending.size === 0 && !this.stopping) worker.unref()
      if (reply.type === 'written') waiter.resolve()
      // The store translates it as it would its own connection's error (busy → retry, …).
      else waiter.reject(reply.code === undefined ? new Error(reply.message) : new Database.SqliteError(reply.message, reply.code))
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the event writer exited (code ${code})`)))
  }

  /** Started, with its connection open: writes go to it. */
  get running(): boolean {
    return this.ready && this.worker !== null
  }

  /** Resolves once the events (their JSON records and heads, see headOf) are committed. */
  write(docs: string[], heads: string[]): Promise<void> {
    const worker = this.worker
    if (worker === null || !this.ready) return Promise.reject(new WriterGoneError('the event writer is not running'))
    const seq = ++this.seq
    return new Promise<void>((resolve, reject) => {
      this.pending.set(seq, {resolve, reject})
      // A write in flight keeps the process alive until it is answered.
      worker.ref()
      worker.postMessage({type: 'write', seq, docs, heads} satisfies EventWriterRequest)
    })
  }

  /** Follows the store connection's setting (see SqliteStore.onCheckpointerFailure). */
  setAutocheckpoint(pages: number): void {
    this.worker?.postMessage({type: 'autocheckpoint', pages} satisfies EventWriterRequest)
  }

  /** Lets the writes already sent finish, then stops the worker and waits for its connection to close. */
  async stop(): Promise<void> {
    const worker = this.worker
    this.stopping = true
    this.ready = false
    if (worker === null) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    // Held by close(): the process must not end before the worker's connection is closed.
    worker.ref()
    // Messages are handled in order: every write sent before is answered first.
    worker.postMessage({type: 'stop'} satisfies EventWriterRequest)
    // A worker stuck (a commit on a hung disk) is cut off; its connection closes with it.
    const timer = setTimeout(() => void worker.terminate(), 10_000)
    await exited
    clearTimeout(timer)
    this.worker = null
  }

  private rejectAll(err: Error): void {
    const waiters = [...this.pending.values()]
    this.pending.clear()
    for (const w of waiters) w.reject(err)
  }
}

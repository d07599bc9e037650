// The main-thread side of WAL checkpointing. The request connection runs with
// wal_autocheckpoint=0, so no commit ever pays for a checkpoint; a worker thread
// (checkpoint-worker.ts) with its own connection checkpoints instead.

import {Worker} from 'node:worker_threads'
import type {CheckpointWorkerData, CheckpointWorkerMessage} from './checkpoint-worker.js'

export interface CheckpointerOptions {
  /** How often the worker looks for new commits. */
  intervalMs: number
  /** After a complete checkpoint, a WAL file larger than this is truncated. */
  truncateBytes: number
}

export const DEFAULT_CHECKPOINTER_OPTIONS: CheckpointerOptions = {
  intervalMs: 1000,
  // Truncating costs the next writes their pre-allocated file; only a WAL that
  // grew well past SQLite's usual ~4 MB is worth giving back to the disk.
  truncateBytes: 64 * 1024 * 1024,
}

/** The compiled worker next to this file (dist/…/checkpoint-worker.js), or the .ts source under tsx. */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./checkpoint-worker${ext}`, import.meta.url)
}

export class Checkpointer {
  private worker: Worker | null
  private stopping = false
  /** The last failure the worker reported, for diagnostics. */
  lastError: string | null = null

  /**
   * `onFailure` runs once if the worker cannot run (e.g. its file is missing in a
   * bundled build) or dies: the caller then lets SQLite checkpoint by itself again.
   */
  constructor(path: string, options: CheckpointerOptions, onFailure: (err: Error) => void) {
    const data: CheckpointWorkerData = {
      path,
      intervalMs: options.intervalMs,
      truncateBytes: options.truncateBytes,
      busyTimeoutMs: 20,
    }
    const worker = new Worker(workerUrl(), {workerData: data})
    this.worker = worker
    // Never what keeps a process alive: close() stops it, and an exiting CLI need not.
    worker.unref()
    let failed = false
    const fail = (err: Error): void => {
      if (failed || this.stopping) return
      failed = true
      this.worker = null
      this.lastError = err.message
      onFailure(err)
    }
    worker.on('message', (message: CheckpointWorkerMessage) => {
      if (message?.type === 'error') this.lastError = message.message
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the checkpoint worker exited (code ${code})`)))
  }

  get running(): boolean {
    return this.worker !== null
  }

  /** Stops the worker and waits for its connection to close. */
  async stop(): Promise<void> {
    const worker = this.worker
    this.stopping = true
    this.worker = null
    if (worker === null) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    // Held by close(): the process must not end before the worker's connection is closed.
    worker.ref()
    worker.postMessage('stop')
    // A worker stuck in a long checkpoint is cut off; its connection closes with it.
    const timer = setTimeout(() => void worker.terminate(), 5000)
    await exited
    clearTimeout(timer)
  }
}

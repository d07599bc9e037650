// Worker thread entry (see checkpointer.ts): checkpoints one SQLite database's WAL
// with its own connection, so the copy of WAL pages into the database file (and its
// fsyncs) never runs on the event loop that answers requests.

import {statSync} from 'node:fs'
import {parentPort, workerData} from 'node:worker_threads'
import Database from 'better-sqlite3'

export interface CheckpointWorkerData {
  path: string
  intervalMs: number
  /** After a complete checkpoint, a WAL file larger than this is truncated to zero bytes. */
  truncateBytes: number
  /** How long a TRUNCATE checkpoint may wait for readers while it holds the write lock. */
  busyTimeoutMs: number
}

/** Messages to the parent. */
export type CheckpointWorkerMessage = {type: 'error'; message: string}

interface CheckpointRow {
  busy: number
  log: number
  checkpointed: number
}

const {path, intervalMs, truncateBytes, busyTimeoutMs} = workerData as CheckpointWorkerData
const port = parentPort
if (port === null) throw new Error('checkpoint-worker.js runs as a worker thread only')

const db = new Database(path, {fileMustExist: true})
db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
// This connection never writes; it must not checkpoint on its own schedule either.
db.pragma('wal_autocheckpoint = 0')

let lastVersion: number | null = null
let lastError = ''

function walBytes(): number {
  try {
    return statSync(`${path}-wal`).size
  } catch {
    return 0
  }
}

function tick(): void {
  try {
    // Changes whenever another connection (this process's or another's) commits.
    const version = db.pragma('data_version', {simple: true}) as number
    if (version === lastVersion) return
    // PASSIVE never waits for, nor blocks, readers and writers: it copies what it can.
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[]
    const complete = passive !== undefined && passive.busy === 0 && passive.log === passive.checkpointed
    if (complete && walBytes() > truncateBytes) {
      // Everything is in the database file already, so this only waits for readers
      // (at most busyTimeoutMs) and cuts the file; a busy result is retried next tick.
      db.pragma('wal_checkpoint(TRUNCATE)')
    }
    // Frames a reader still needed are copied on a later tick, even without new writes.
    if (complete) lastVersion = version
    lastError = ''
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // Report a failure once, not every tick.
    if (message !== lastError) port?.postMessage({type: 'error', message} satisfies CheckpointWorkerMessage)
    lastError = message
  }
}

const timer = setInterval(tick, intervalMs)

port.on('message', (message: unknown) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  process.exit(0)
})

// Worker thread entry (see event-writer.ts): writes batches of events with its own
// connection, so the transaction and its COMMIT's fsync (synchronous=FULL) never run on
// the event loop that answers requests. The events' term rows and words are indexed
// here too, after their commit, in steps of hundreds (indexPendingEvents).

import {parentPort, receiveMessageOnPort, workerData} from 'node:worker_threads'
import Database from 'better-sqlite3'
import type {ErrorEvent} from '../types.js'
import {fromHead, indexPendingEvents, INDEX_STEP_MAX, prepareEventWrites, writeEvents, type EventToWrite} from './event-writes.js'

export interface EventWriterData {
  path: string
  /** Short: a lock held elsewhere is answered as SQLITE_BUSY, and the store retries on its own schedule. */
  busyTimeoutMs: number
  /** The store connection's wal_autocheckpoint, which this connection follows. */
  autocheckpoint: number
}

/** Messages from the store. `docs`: the events' JSON records; `heads`: what writing them needs (headOf). */
export type EventWriterRequest =
  | {type: 'write'; seq: number; docs: string[]; heads: string[]}
  | {type: 'autocheckpoint'; pages: number}
  | {type: 'stop'}

/** Messages to the store. */
export type EventWriterReply =
  | {type: 'ready'}
  | {type: 'written'; seq: number}
  /** `code`: the SqliteError's code (SQLITE_BUSY…), so the store treats it like its own connection's. */
  | {type: 'failed'; seq: number; message: string; code?: string}

const {path, busyTimeoutMs, autocheckpoint} = workerData as EventWriterData
const port = parentPort
if (port === null) throw new Error('event-writer-worker.js runs as a worker thread only')

const db = new Database(path, {fileMustExist: true})
// Per connection, like the store's own (sqlite-store.ts open()): a commit is on disk
// before its events are answered 202.
db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
db.pragma('synchronous = FULL')
db.pragma('foreign_keys = ON')
db.pragma(`wal_autocheckpoint = ${autocheckpoint}`)
const stmts = prepareEventWrites(db)

/**
 * When events are indexed: in one step right after a commit once INDEX_AFTER wait, and
 * INDEX_IDLE_MS after the last write for the rest. A step of 200 holds the next commit
 * back ~10 ms. Smaller, more frequent steps were measured worse: steps of ≤ 64 cost
 * ~90 µs an event against ~50 (each step writes an FTS5 segment and the scattered
 * term pages), and ingest slowed.
 */
const INDEX_AFTER = 200
const INDEX_IDLE_MS = 20
const INDEX_RETRY_MS = 1000
/** Events committed and not yet indexed, as written (a step parses the docs of those missing). */
const unindexed = new Map<string, ErrorEvent>()
let indexTimer: NodeJS.Timeout | null = null

/**
 * Best effort: a failed step (the lock busy, the disk full) is tried again after
 * INDEX_RETRY_MS or the next write, and queries read unindexed events from the table
 * meanwhile. A backlog found at start (a writer that stopped before indexing) is taken
 * INDEX_STEP_MAX at a time.
 */
function indexStep(): void {
  if (indexTimer !== null) clearTimeout(indexTimer)
  indexTimer = null
  let done: number
  try {
    done = indexPendingEvents(db, stmts, unindexed)
  } catch {
    scheduleIndex(INDEX_RETRY_MS)
    return
  }
  if (done === INDEX_STEP_MAX) scheduleIndex()
  // Nothing left after the mark: what is still here was deleted before its step (a
  // project, retention) or indexed by another connection. Kept, such events made every
  // later step smaller (a review reproduced steps shrinking 200 → 60).
  else unindexed.clear()
  // Too many to keep (steps failing for long): their docs serve then.
  if (unindexed.size > 20 * INDEX_STEP_MAX) unindexed.clear()
}

function scheduleIndex(ms = INDEX_IDLE_MS): void {
  if (indexTimer !== null) clearTimeout(indexTimer)
  indexTimer = setTimeout(indexStep, ms)
}

function afterWrite(): void {
  if (unindexed.size >= INDEX_AFTER) indexStep()
  else scheduleIndex()
}

/**
 * Every write request waiting in the queue goes into one transaction: batches the
 * store sent while the last commit ran share the next one (and its fsync), instead
 * of each waiting for its own.
 */
function write(first: {seq: number; docs: string[]; heads: string[]}): void {
  const seqs = [first.seq]
  const writes = [first]
  const later: EventWriterRequest[] = []
  for (let next = receiveMessageOnPort(port!); next !== undefined; next = receiveMessageOnPort(port!)) {
    const message = next.message as EventWriterRequest
    if (message.type !== 'write') {
      // Anything else (stop) waits until the writes sent before it are done.
      later.push(message)
      break
    }
    seqs.push(message.seq)
    writes.push(message)
  }
  try {
    const batch: EventToWrite[] = []
    for (const {docs, heads} of writes) docs.forEach((doc, i) => batch.push(fromHead(heads[i] as string, doc)))
    for (const event of writeEvents(db, stmts, batch, 'later')) unindexed.set(event.id, event)
    for (const seq of seqs) port!.postMessage({type: 'written', seq} satisfies EventWriterReply)
    afterWrite()
  } catch (err) {
    const code = err instanceof Database.SqliteError ? err.code : undefined
    const text = err instanceof Error ? err.message : String(err)
    for (const seq of seqs) port!.postMessage({type: 'failed', seq, message: text, code} satisfies EventWriterReply)
  }
  for (const message of later) handle(message)
}

function handle(message: EventWriterRequest): void {
  if (message.type === 'write') write(message)
  else if (message.type === 'autocheckpoint') db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(message.pages))}`)
  else if (message.type === 'stop') {
    // Quick and bounded; anything left is indexed by the next writer.
    indexStep()
    db.close()
    process.exit(0)
  }
}

port.on('message', handle)
port.postMessage({type: 'ready'} satisfies EventWriterReply)
// Events a stopped writer left unindexed.
scheduleIndex()


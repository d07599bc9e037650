// Worker thread entry (see event-writer.ts): writes batches of events with its own
// connection, so the transaction and its COMMIT's fsync (synchronous=FULL) never run on
// the event loop that answers requests.

import {parentPort, receiveMessageOnPort, workerData} from 'node:worker_threads'
import Database from 'better-sqlite3'
import {fromDoc, prepareEventWrites, writeEvents, type EventToWrite} from './event-writes.js'

export interface EventWriterData {
  path: string
  /** Short: a lock held elsewhere is answered as SQLITE_BUSY, and the store retries on its own schedule. */
  busyTimeoutMs: number
  /** The store connection's wal_autocheckpoint, which this connection follows. */
  autocheckpoint: number
}

/** Messages from the store. `docs`: the events' JSON records. */
export type EventWriterRequest =
  | {type: 'write'; seq: number; docs: string[]}
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
 * Every write request waiting in the queue goes into one transaction: batches the
 * store sent while the last commit ran share the next one (and its fsync), instead
 * of each waiting for its own.
 */
function write(first: {seq: number; docs: string[]}): void {
  const seqs = [first.seq]
  const docs = [first.docs]
  const later: EventWriterRequest[] = []
  for (let next = receiveMessageOnPort(port!); next !== undefined; next = receiveMessageOnPort(port!)) {
    const message = next.message as EventWriterRequest
    if (message.type !== 'write') {
      // Anything else (stop) waits until the writes sent before it are done.
      later.push(message)
      break
    }
    seqs.push(message.seq)
    docs.push(message.docs)
  }
  try {
    const batch: EventToWrite[] = []
    for (const list of docs) for (const doc of list) batch.push(fromDoc(doc))
    writeEvents(db, stmts, batch)
    for (const seq of seqs) port!.postMessage({type: 'written', seq} satisfies EventWriterReply)
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
    db.close()
    process.exit(0)
  }
}

port.on('message', handle)
port.postMessage({type: 'ready'} satisfies EventWriterReply)


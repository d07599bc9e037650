// Writing a batch of events: one transaction with the events, their term rows, their
// issues and the per-minute counters. The same code runs on the store's own connection
// and on the writer thread's (event-writer-worker.ts).

import type Database from 'better-sqlite3'
import {issueDeltas, minuteDeltas} from '../grouping.js'
import type {ErrorEvent} from '../types.js'
import {indexEventTerms} from './event-queries.js'

type Db = Database.Database

/** One event and its full record as JSON (`doc`, the errors row's copy). */
export interface EventToWrite {
  event: ErrorEvent
  doc: string
}

/**
 * The event back from its doc, as the writer thread gets it: a batch crosses to the
 * thread as its docs, because the text has to be made anyway and copying strings is
 * far cheaper than cloning the objects. (One string per event: measured, joining them
 * into one large string cost more than it saved.)
 */
export function fromDoc(doc: string): EventToWrite {
  const event = JSON.parse(doc) as ErrorEvent
  // ISO strings in the JSON.
  event.timestamp = new Date(event.timestamp)
  event.receivedAt = new Date(event.receivedAt)
  return {event, doc}
}

export type EventWriteStatements = ReturnType<typeof prepareEventWrites>

export function prepareEventWrites(db: Db) {
  return {
    insertEvent: db.prepare(
      `INSERT OR IGNORE INTO errors (id, project_id, timestamp, received_at, level, type, message, fingerprint, issue_id, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // RHS column references are the row's old values: the level is taken only
    // when this batch is not older than what the issue has seen; a resolved
    // issue reopens, an ignored one stays ignored.
    upsertIssue: db.prepare(
      `INSERT INTO issues (id, project_id, fingerprint, type, message, level, status, count, first_seen, last_seen)
       VALUES (@id, @project_id, @fingerprint, @type, @message, @level, 'unresolved', @count, @first_seen, @last_seen)
       ON CONFLICT (id) DO UPDATE SET
         count = count + excluded.count,
         first_seen = min(first_seen, excluded.first_seen),
         last_seen = max(last_seen, excluded.last_seen),
         level = CASE WHEN excluded.last_seen >= last_seen THEN excluded.level ELSE level END,
         status = CASE WHEN status = 'resolved' THEN 'unresolved' ELSE status END`,
    ),
    addMinuteCount: db.prepare(
      `INSERT INTO event_counts (project_id, minute, count) VALUES (?, ?, ?)
       ON CONFLICT (project_id, minute) DO UPDATE SET count = count + excluded.count`,
    ),
  }
}

/**
 * Writes the batch in one IMMEDIATE transaction and returns how many events were new.
 * IMMEDIATE takes the write lock first, so a lock held elsewhere fails here (SQLITE_BUSY),
 * before any work, and the caller retries the whole batch. An id already stored (a
 * Sentry SDK resending an event_id, or a batch retried after a failure) is skipped and
 * not counted.
 */
export function writeEvents(db: Db, stmts: EventWriteStatements, batch: readonly EventToWrite[]): number {
  return db
    .transaction((): number => {
      const written: ErrorEvent[] = []
      for (const {event, doc} of batch) {
        const result = stmts.insertEvent.run(
          event.id,
          event.projectId,
          event.timestamp.getTime(),
          event.receivedAt.getTime(),
          event.level,
          event.type,
          event.message,
          event.fingerprint ?? null,
          event.issueId ?? null,
          doc,
        )
        if (result.changes > 0) written.push(event)
      }
      indexEventTerms(db, written)
      for (const d of issueDeltas(written)) {
        stmts.upsertIssue.run({
          id: d.issueId,
          project_id: d.projectId,
          fingerprint: d.fingerprint,
          type: d.type,
          message: d.message,
          level: d.level,
          count: d.count,
          first_seen: d.firstSeen.getTime(),
          last_seen: d.lastSeen.getTime(),
        })
      }
      for (const d of minuteDeltas(written)) stmts.addMinuteCount.run(d.projectId, d.minute, d.count)
      return written.length
    })
    .immediate()
}

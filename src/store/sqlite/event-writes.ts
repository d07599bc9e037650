// Writing a batch of events: one transaction with the events, their issues and the
// per-minute counters; their term rows and words (for filtered queries) go in with
// them, or, on the writer thread, in a later step for hundreds of events at once
// (indexPendingEvents; see EVENT_INDEX_MIGRATION for why). The same code runs on the
// store's own connection and on the writer thread's (event-writer-worker.ts).

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
 * What writing an event needs besides its doc: the columns, the term values and the
 * grouping fields, as a small JSON string. A batch crosses to the writer thread as
 * docs and heads: copying strings is far cheaper than cloning objects, and parsing
 * the head instead of the whole doc saved the thread ~20 µs an event (docs average
 * ~6 KB; measured with the bench corpus).
 */
export function headOf(event: ErrorEvent): string {
  const head: EventHead = {
    id: event.id,
    projectId: event.projectId,
    issueId: event.issueId,
    fingerprint: event.fingerprint,
    timestamp: event.timestamp.getTime(),
    receivedAt: event.receivedAt.getTime(),
    level: event.level,
    type: event.type,
    message: event.message,
    tags: event.tags,
    environment: event.environment,
    release: event.release,
    browser: event.browser && {name: event.browser.name},
    os: event.os && {name: event.os.name},
  }
  return JSON.stringify(head)
}

type EventHead = Omit<ErrorEvent, 'timestamp' | 'receivedAt' | 'frames'> & {timestamp: number; receivedAt: number}

/** An event back from its stored doc (ISO strings for its times). */
function fromDoc(doc: string): ErrorEvent {
  const event = JSON.parse(doc) as ErrorEvent
  event.timestamp = new Date(event.timestamp)
  event.receivedAt = new Date(event.receivedAt)
  return event
}

/** The event to write from its head (see headOf) and doc, as the writer thread gets them. */
export function fromHead(head: string, doc: string): EventToWrite {
  const parsed = JSON.parse(head) as EventHead
  const event: ErrorEvent = {...parsed, timestamp: new Date(parsed.timestamp), receivedAt: new Date(parsed.receivedAt), frames: []}
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
    indexedThrough: db.prepare('SELECT indexed_through AS n FROM event_index_state').pluck(),
    unindexed: db.prepare('SELECT rowid AS rid, id FROM errors WHERE rowid > ? ORDER BY rowid LIMIT ?'),
    docByRowid: db.prepare('SELECT doc FROM errors WHERE rowid = ?').pluck(),
    indexText: db.prepare(
      `INSERT INTO errors_text (rowid, text) SELECT rowid, message || char(10) || type FROM errors WHERE rowid > ? AND rowid <= ?`,
    ),
    setIndexedThrough: db.prepare('UPDATE event_index_state SET indexed_through = ?'),
    addMinuteCount: db.prepare(
      `INSERT INTO event_counts (project_id, minute, count) VALUES (?, ?, ?)
       ON CONFLICT (project_id, minute) DO UPDATE SET count = count + excluded.count`,
    ),
  }
}

/**
 * Writes the batch in one IMMEDIATE transaction and returns the events that were new.
 * IMMEDIATE takes the write lock first, so a lock held elsewhere fails here (SQLITE_BUSY),
 * before any work, and the caller retries the whole batch. An id already stored (a
 * Sentry SDK resending an event_id, or a batch retried after a failure) is skipped and
 * not counted. `index`: 'now' indexes the batch's terms and words in the same
 * transaction; 'later' leaves them to indexPendingEvents.
 */
export function writeEvents(db: Db, stmts: EventWriteStatements, batch: readonly EventToWrite[], index: 'now' | 'later' = 'now'): ErrorEvent[] {
  return db
    .transaction((): ErrorEvent[] => {
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
      // Events left unindexed before (a writer thread that stopped) come first: a large
      // backlog is indexed in later steps, and queries read it meanwhile.
      if (index === 'now') indexUnindexed(db, stmts, new Map(written.map((e) => [e.id, e])), written.length + INDEX_STEP_MAX)
      return written
    })
    .immediate()
}

/** The most events one index step takes: ~40–50 µs each, so a step holds the write lock for at most ~50 ms. */
export const INDEX_STEP_MAX = 1000

/**
 * Indexes the terms and words of the oldest events stored after indexed_through, at
 * most `max`, in one IMMEDIATE transaction; returns how many. `known`: events by id
 * as they were written (docs are parsed only for events it lacks); those indexed are
 * taken out of it once committed. Their term rows go in as indexEventTerms writes them
 * at insert time, their words by rowid range.
 */
export function indexPendingEvents(db: Db, stmts: EventWriteStatements, known: Map<string, ErrorEvent>, max = INDEX_STEP_MAX): number {
  const ids = db.transaction(() => indexUnindexed(db, stmts, known, max)).immediate()
  for (const id of ids) known.delete(id)
  return ids.length
}

/** Returns the ids of the events it indexed. */
function indexUnindexed(db: Db, stmts: EventWriteStatements, known: ReadonlyMap<string, ErrorEvent>, max: number): string[] {
  const through = stmts.indexedThrough.get() as number
  const rows = stmts.unindexed.all(through, max) as {rid: number; id: string}[]
  const last = rows[rows.length - 1]
  if (last === undefined) return []
  indexEventTerms(
    db,
    rows.map((row) => known.get(row.id) ?? fromDoc(stmts.docByRowid.get(row.rid) as string)),
  )
  stmts.indexText.run(through, last.rid)
  stmts.setIndexedThrough.run(last.rid)
  return rows.map((row) => row.id)
}

// Filtered, keyset-paginated reads of events and issues for the SQLite engine.
//
// Every event query is built around one "driver": the index range whose rows are
// walked in (timestamp, id) order. Every other condition is checked on the rows the
// driver yields, and the walk stops after `limit` matches, so page N costs what
// page 1 costs (the cursor is part of the index range; there is no OFFSET).
//
//   driver          index
//   time            errors (project_id, timestamp, id, level, type, message)
//                   (covering: level, type and text words are checked in the index)
//   type / issue    errors (project_id, type | issue_id, timestamp, id)
//   term            event_terms (project_id, name, value, timestamp, event_id)
//                   for tags, environment, release, browser and os
//   text            errors_text (FTS5 trigram on message and type): only for words
//                   with fewer than COUNT_CAP candidates, which are then sorted
//   received        errors (received_at), for following new events (errors tail):
//                   only when fewer than COUNT_CAP arrived since, then sorted
//
// Of the filters that can drive, the one with the fewest rows in the range wins
// (counted up to a cap: well under a millisecond). A driver with several values
// (type: A or B) becomes one sub-query per value, each ordered and limited, merged
// by an outer ORDER BY … LIMIT: no sort over all matches. Conditions that reject
// most rows (a rare word) make a walk long: it runs in slices (see "slices").
//
// Write cost decided what is indexed (CPU per event, batches of 1000, in memory):
// the two errors indexes and the term rows (written from JS, 64 rows per
// statement) add about 35 µs; writing the terms from triggers cost about 120 µs,
// an FTS5 trigram index on message and type about 30 µs. Text words are substring
// matches, checked per row; a common word is found fast walking the covering time
// index, a rare one (or one that is nowhere) only through the trigram index
// (errors_text), which is therefore kept despite its cost. user (id / email /
// username) is not a term either: its values are nearly unique, so each would
// dirty two random B-tree pages per event; it is checked per row, as url is.
//
// Term rows and words are written after the events' own commit (schema 5): events
// after event_index_state.indexed_through are read from the table instead — an extra
// arm for term and text drivers (unindexedArm), and term conditions checked on the
// doc for those rows (termInDoc).

import type Database from 'better-sqlite3'
import type {EventFilter, EventPageRequest, IssueFilter, IssuePageRequest, TimeBucket} from '../query-types.js'
import type {ErrorEvent} from '../types.js'

type Db = Database.Database
type Param = string | number

/** Fields of an event kept in event_terms besides its tags: term name → path in the event. */
const TERM_FIELDS = [
  ['environment', '$.environment'],
  ['release', '$.release'],
  ['browser', '$.browser.name'],
  ['os', '$.os.name'],
] as const

/**
 * Schema for the queries, appended to the store's migrations. insertEvents writes
 * the term rows (indexEventTerms); triggers remove them with their event, deriving
 * them from `doc` by the same rule; events stored before the migration are indexed
 * by it.
 */
export const EVENT_QUERY_MIGRATION = `
  -- The time index, widened: a walk in time order checks level, type and the text
  -- words without reading the rows (~1.8 KB each). Same B-tree count as before.
  DROP INDEX errors_project_time;
  CREATE INDEX errors_project_time ON errors (project_id, timestamp, id, level, type, message);
  CREATE INDEX errors_project_type_time ON errors (project_id, type, timestamp, id);
  CREATE INDEX errors_project_issue_time ON errors (project_id, issue_id, timestamp, id);
  CREATE INDEX issues_project_first_seen ON issues (project_id, first_seen, id);
  CREATE INDEX issues_project_count ON issues (project_id, count, id);

  -- One row per (event, exact-match value kept only in the JSON document).
  -- name: 'tag:<key>', 'environment', 'release', 'browser' or 'os'. The key order
  -- serves both walking one value in time order and checking one event (a point lookup).
  CREATE TABLE event_terms (
    project_id INTEGER NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    timestamp  INTEGER NOT NULL,
    event_id   TEXT NOT NULL,
    PRIMARY KEY (project_id, name, value, timestamp, event_id)
  ) WITHOUT ROWID;

  CREATE TRIGGER errors_terms_delete AFTER DELETE ON errors BEGIN
    DELETE FROM event_terms WHERE (project_id, name, value, timestamp, event_id) IN (${termRows('old')});
  END;

  CREATE TRIGGER errors_terms_update AFTER UPDATE OF project_id, timestamp, doc ON errors BEGIN
    DELETE FROM event_terms WHERE (project_id, name, value, timestamp, event_id) IN (${termRows('old')});
    INSERT OR IGNORE INTO event_terms (project_id, name, value, timestamp, event_id) ${termRows('new')};
  END;

  INSERT OR IGNORE INTO event_terms (project_id, name, value, timestamp, event_id) ${termRows('e', 'errors AS e')};
`

/**
 * Schema 4: term deletes by primary key (see termDeletes), and a trigram index on
 * each event's message and type, the candidates for words too rare for a walk in
 * time order to find fast (see chooseDriver).
 * Contentless (the text is in errors already); rows are errors' rowids, kept in
 * step by triggers. (errors has no INTEGER PRIMARY KEY, so a VACUUM could renumber
 * its rowids: crashlog never runs one; rebuild this index after a manual VACUUM.)
 */
export const EVENT_TEXT_MIGRATION = `
  DROP TRIGGER errors_terms_delete;
  DROP TRIGGER errors_terms_update;
  CREATE TRIGGER errors_terms_delete AFTER DELETE ON errors BEGIN
    ${termDeletes('old')}
  END;
  CREATE TRIGGER errors_terms_update AFTER UPDATE OF project_id, timestamp, doc ON errors BEGIN
    ${termDeletes('old')}
    INSERT OR IGNORE INTO event_terms (project_id, name, value, timestamp, event_id) ${termRows('new')};
  END;

  CREATE VIRTUAL TABLE errors_text USING fts5(text, content='', contentless_delete=1, tokenize='trigram');
  INSERT INTO errors_text (rowid, text) SELECT rowid, message || char(10) || type FROM errors;
  CREATE TRIGGER errors_text_insert AFTER INSERT ON errors BEGIN
    INSERT INTO errors_text (rowid, text) VALUES (new.rowid, new.message || char(10) || new.type);
  END;
  CREATE TRIGGER errors_text_delete AFTER DELETE ON errors BEGIN
    DELETE FROM errors_text WHERE rowid = old.rowid;
  END;
  CREATE TRIGGER errors_text_update AFTER UPDATE OF message, type ON errors BEGIN
    DELETE FROM errors_text WHERE rowid = old.rowid;
    INSERT INTO errors_text (rowid, text) VALUES (new.rowid, new.message || char(10) || new.type);
  END;
`

/**
 * Schema 5: term rows and words are indexed after the commit that stores the events,
 * in steps of hundreds (indexPendingEvents, event-writes.ts), not in it: per batch of
 * ~20 events (what group commit gathers at 50 connections) they dirtied ~100 B-tree
 * pages spread over the term values plus an FTS5 segment, and cost the commit more
 * than everything else (writer CPU 234–272 → 103–126 µs an event, WAL 43 → 21 KiB an
 * event; measured on the bench corpus, batches of 20, index steps of 200–500).
 * event_index_state.indexed_through is the last errors rowid whose terms and words
 * are indexed, moved in the same transaction as they are; queries read the rows after
 * it directly (see unindexedArm). Deleting the newest rows lowers it, so a rowid
 * SQLite hands out again is indexed again; updates index only indexed rows.
 */
export const EVENT_INDEX_MIGRATION = `
  DROP TRIGGER errors_text_insert;
  DROP TRIGGER errors_text_update;
  DROP TRIGGER errors_terms_update;
  CREATE TABLE event_index_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_through INTEGER NOT NULL
  );
  INSERT INTO event_index_state (id, indexed_through) SELECT 1, coalesce(max(rowid), 0) FROM errors;
  CREATE TRIGGER errors_index_state_delete AFTER DELETE ON errors BEGIN
    UPDATE event_index_state SET indexed_through = (SELECT coalesce(max(rowid), 0) FROM errors)
    WHERE indexed_through > (SELECT coalesce(max(rowid), 0) FROM errors);
  END;
  CREATE TRIGGER errors_terms_update AFTER UPDATE OF project_id, timestamp, doc ON errors BEGIN
    ${termDeletes('old')}
    INSERT OR IGNORE INTO event_terms (project_id, name, value, timestamp, event_id)
    SELECT * FROM (${termRows('new')}) WHERE new.rowid <= (SELECT indexed_through FROM event_index_state);
  END;
  CREATE TRIGGER errors_text_update AFTER UPDATE OF message, type ON errors BEGIN
    DELETE FROM errors_text WHERE rowid = old.rowid;
    INSERT INTO errors_text (rowid, text) SELECT new.rowid, new.message || char(10) || new.type
    WHERE new.rowid <= (SELECT indexed_through FROM event_index_state);
  END;
`

/**
 * The term rows (project_id, name, value, timestamp, event_id) of the errors row
 * `row` (a trigger's new / old), or of every row of `from`. The rule matches
 * termValue(): JSON strings as they are, integers as their decimal text.
 */
function termRows(row: string, from?: string): string {
  return termParts(row, from).join(' UNION ALL ')
}

/**
 * Deletes the term rows of `row` (a trigger's old), one statement per part: each
 * is a primary-key lookup, while an IN over the whole UNION ALL made SQLite scan
 * event_terms once per deleted event (minutes per 1000 events at 1M).
 */
function termDeletes(row: string): string {
  return termParts(row)
    .map((part) => `DELETE FROM event_terms WHERE (project_id, name, value, timestamp, event_id) IN (${part});`)
    .join('\n    ')
}

/** A JSON value (of SQL json type `type`) as a term: termValue's rule in SQL. */
function termText(type: string, value: string): string {
  return `CASE ${type} WHEN 'text' THEN ${value} WHEN 'integer' THEN CAST(${value} AS TEXT) END`
}

function termParts(row: string, from?: string): string[] {
  const head = `SELECT ${row}.project_id AS project_id`
  const tail = `${row}.timestamp AS timestamp, ${row}.id AS event_id`
  const field = ([name, path]: readonly [string, string]): string =>
    `SELECT * FROM (${head}, '${name}' AS name, ` +
    `${termText(`json_type(${row}.doc, '${path}')`, `json_extract(${row}.doc, '${path}')`)} AS value, ${tail}` +
    `${from === undefined ? '' : ` FROM ${from}`}) WHERE value IS NOT NULL`
  return [
    `${head}, 'tag:' || j.key AS name, ${termText('j.type', 'j.value')} AS value, ${tail}` +
      ` FROM ${from === undefined ? '' : `${from}, `}json_each(${row}.doc, '$.tags') AS j WHERE j.type IN ('text', 'integer')`,
    ...TERM_FIELDS.map(field),
  ]
}

/** How a value is kept as a term: strings as they are, safe integers as decimal text; others are not kept. */
function termValue(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  return null
}

const TERM_CHUNKS = [64, 16, 4, 1]
const TERM_INSERTS = new WeakMap<Db, Map<number, Database.Statement>>()

function termInsert(db: Db, rows: number): Database.Statement {
  let byRows = TERM_INSERTS.get(db)
  if (byRows === undefined) {
    byRows = new Map()
    TERM_INSERTS.set(db, byRows)
  }
  let stmt = byRows.get(rows)
  if (stmt === undefined) {
    stmt = db.prepare(
      `INSERT OR IGNORE INTO event_terms (project_id, name, value, timestamp, event_id) VALUES ${Array.from({length: rows}, () => '(?, ?, ?, ?, ?)').join(', ')}`,
    )
    byRows.set(rows, stmt)
  }
  return stmt
}

/**
 * Writes the term rows of events just inserted into errors. Call inside the same
 * transaction as the insert, with exactly the events that were written.
 */
export function indexEventTerms(db: Db, events: readonly ErrorEvent[]): void {
  const params: Param[] = []
  for (const event of events) {
    const ts = event.timestamp.getTime()
    const add = (name: string, raw: unknown): void => {
      const value = termValue(raw)
      if (value !== null) params.push(event.projectId, name, value, ts, event.id)
    }
    for (const [key, value] of Object.entries(event.tags ?? {})) add(`tag:${key}`, value)
    add('environment', event.environment)
    add('release', event.release)
    add('browser', event.browser?.name)
    add('os', event.os?.name)
  }
  let offset = 0
  for (const chunk of TERM_CHUNKS) {
    const stmt = termInsert(db, chunk)
    while (params.length - offset >= chunk * 5) {
      stmt.run(params.slice(offset, offset + chunk * 5))
      offset += chunk * 5
    }
  }
}

/** What an export writes of each row: its position and its stored JSON. */
export interface EventJsonRow {
  id: string
  timestamp: number
  doc: string
}

/** The columns the store maps to an ErrorEvent. */
export interface EventQueryRow extends EventJsonRow {
  received_at: number
  fingerprint: string | null
  issue_id: string | null
}

/**
 * The columns a query reads: a whole event, or only what an export writes (each
 * column left out saves ~0.3 µs a row, a tenth of reading it: measured at 1M rows).
 */
export const EVENT_COLUMNS = 'e.id, e.timestamp, e.received_at, e.fingerprint, e.issue_id, e.doc'
export const JSON_COLUMNS = 'e.id, e.timestamp, e.doc'

/** The columns the store maps to an Issue. */
export interface IssueQueryRow {
  id: string
  project_id: number
  fingerprint: string
  type: string
  message: string
  level: string
  status: string
  count: number
  first_seen: number
  last_seen: number
}

/** Rows a driver may count before it is "large"; comparing beyond that gains nothing. */
const COUNT_CAP = 5000

// ---- SQL fragments ----------------------------------------------------------

class Sql {
  readonly parts: string[] = []
  readonly params: Param[] = []

  add(text: string, ...params: Param[]): this {
    this.parts.push(text)
    this.params.push(...params)
    return this
  }
}

function placeholders(n: number): string {
  return Array.from({length: n}, () => '?').join(', ')
}

/** A LIKE pattern matching `text` anywhere, literally (escape character `\`). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

const ASCII = /^[\x20-\x7e]*$/

/** SQLite's LIKE folds ASCII letters only: other words go through a JS function. */
const FUNCTIONS_READY = new WeakSet<Db>()

function ensureFunctions(db: Db): void {
  if (FUNCTIONS_READY.has(db)) return
  db.function('crashlog_icontains', {deterministic: true}, (haystack: unknown, needle: unknown) =>
    typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle) ? 1 : 0,
  )
  FUNCTIONS_READY.add(db)
}

/** `column` contains `word`, case-insensitively. */
function containsSql(db: Db, column: string, word: string): [string, Param] {
  if (ASCII.test(word)) return [`${column} LIKE ? ESCAPE '\\'`, likeContains(word)]
  ensureFunctions(db)
  return [`crashlog_icontains(${column}, ?)`, word.toLowerCase()]
}

function nonEmpty<T>(values: readonly T[] | undefined): values is readonly T[] {
  return values !== undefined && values.length > 0
}

/** A tag condition with an empty key matches no event (as on MongoDB, where a path cannot name one). */
function matchesNothing(filter: EventFilter): boolean {
  return (filter.tags ?? []).some((tag) => tag.key === '')
}

function words(text: readonly string[] | undefined): string[] {
  return (text ?? []).filter((w) => w !== '')
}

// ---- the event filter, as drivers and per-row conditions ----------------------

type Driver =
  | {kind: 'time'}
  | {kind: 'received'}
  | {kind: 'text'; values: readonly [string]; key: string}
  | {kind: 'column'; column: 'type' | 'issue_id'; index: string; values: readonly string[]; key: string}
  | {kind: 'term'; name: string; values: readonly string[]; key: string}

interface Term {
  key: string
  name: string
  values: readonly string[]
}

/** The exact-match fields kept in event_terms, with a stable key for each. */
function termsOfFilter(filter: EventFilter): Term[] {
  const terms: Term[] = []
  const add = (key: string, name: string, values: readonly string[] | undefined): void => {
    if (nonEmpty(values)) terms.push({key, name, values: [...new Set(values)]})
  }
  add('environment', 'environment', filter.environment)
  add('release', 'release', filter.release)
  add('browser', 'browser', filter.browser)
  add('os', 'os', filter.os)
  // Two conditions on one tag key both have to hold: keep them separate.
  ;(filter.tags ?? []).forEach((tag, i) => add(`tag#${i}`, `tag:${tag.key}`, [tag.value]))
  return terms
}

function candidateDrivers(filter: EventFilter): Driver[] {
  const drivers: Driver[] = []
  if (nonEmpty(filter.issueId)) {
    drivers.push({kind: 'column', column: 'issue_id', index: 'errors_project_issue_time', values: [...new Set(filter.issueId)], key: 'issue'})
  }
  if (nonEmpty(filter.type)) {
    drivers.push({kind: 'column', column: 'type', index: 'errors_project_type_time', values: [...new Set(filter.type)], key: 'type'})
  }
  for (const term of termsOfFilter(filter)) drivers.push({kind: 'term', name: term.name, values: term.values, key: term.key})
  const match = textMatch(filter)
  if (match !== null) drivers.push({kind: 'text', values: [match], key: 'text'})
  if (filter.receivedAfter !== undefined) drivers.push({kind: 'received'})
  return drivers
}

/** Drivers whose rows come in no useful order: used only when few, then sorted in full. */
function sortsInFull(driver: Driver): boolean {
  return driver.kind === 'text' || driver.kind === 'received'
}

/**
 * The FTS5 query finding candidates for the text words, or null when no word can
 * use the trigram index: it needs 3 characters, and only ASCII words are looked
 * up (its case folding and LIKE's agree on ASCII only). Each word is a quoted
 * phrase, which a trigram index matches as a substring; the words' own condition
 * still checks every candidate.
 */
function textMatch(filter: EventFilter): string | null {
  const usable = words(filter.text).filter((w) => w.length >= 3 && ASCII.test(w))
  if (usable.length === 0) return null
  return usable.map((w) => `"${w.replace(/"/g, '""')}"`).join(' AND ')
}

interface Position {
  timestamp: number
  id: string
}

interface Bounds {
  from?: number
  to?: number
  /** Keyset cursor: rows strictly after it in the order. */
  after?: Position
  /** End of a slice: rows up to and including it in the order. */
  until?: Position
  order: 'desc' | 'asc'
}

/**
 * Range conditions on (ts, id) columns: the filter's [from, to), the cursor and the
 * slice end, merged into one lower and one upper bound on ts. SQLite bounds an index
 * range by one term per side: given `ts >= from` and `ts >= cursor` it may pick the
 * looser one and scan from `from` on every page. The id tie-breaks are plain filters
 * (an OR is never taken as a range bound); they only touch rows at the edge timestamp.
 */
function rangeSql(sql: Sql, ts: string, id: string, b: Bounds): void {
  // Timestamps are integer milliseconds: ts < to is ts <= to - 1.
  let low = b.from
  let high = b.to === undefined ? undefined : b.to - 1
  const raise = (v: number): void => void (low = low === undefined ? v : Math.max(low, v))
  const lower = (v: number): void => void (high = high === undefined ? v : Math.min(high, v))
  const ties: [string, Param, Param][] = []
  if (b.after !== undefined) {
    if (b.order === 'desc') lower(b.after.timestamp)
    else raise(b.after.timestamp)
    const op = b.order === 'desc' ? '<' : '>'
    ties.push([`(${ts} ${op} ? OR ${id} ${op} ?)`, b.after.timestamp, b.after.id])
  }
  if (b.until !== undefined) {
    if (b.order === 'desc') raise(b.until.timestamp)
    else lower(b.until.timestamp)
    const op = b.order === 'desc' ? '>' : '<'
    ties.push([`(${ts} ${op} ? OR ${id} ${op}= ?)`, b.until.timestamp, b.until.id])
  }
  if (low !== undefined) sql.add(`AND ${ts} >= ?`, low)
  if (high !== undefined) sql.add(`AND ${ts} <= ?`, high)
  for (const [text, t, i] of ties) sql.add(`AND ${text}`, t, i)
}

/** The term's condition on the doc of the errors row `e`, by the rule its term rows are written with. */
function termInDoc(term: Term): [string, Param[]] {
  const list = placeholders(term.values.length)
  if (term.name.startsWith('tag:')) {
    return [
      `EXISTS (SELECT 1 FROM json_each(e.doc, '$.tags') AS j WHERE j.key = ? AND ${termText('j.type', 'j.value')} IN (${list}))`,
      [term.name.slice('tag:'.length), ...term.values],
    ]
  }
  const field = TERM_FIELDS.find(([name]) => name === term.name)
  if (field === undefined) throw new Error(`unknown term ${term.name}`)
  const path = field[1]
  return [`${termText(`json_type(e.doc, '${path}')`, `json_extract(e.doc, '${path}')`)} IN (${list})`, [...term.values]]
}

/** Conditions on the errors row `e`, except those the driver already guarantees. */
function rowConditions(db: Db, sql: Sql, filter: EventFilter, driver: Driver): void {
  const inList = (column: string, values: readonly string[] | undefined, skip: boolean): void => {
    if (skip || !nonEmpty(values)) return
    const unique = [...new Set(values)]
    sql.add(`AND ${column} IN (${placeholders(unique.length)})`, ...unique)
  }
  inList('e.issue_id', filter.issueId, driver.kind === 'column' && driver.column === 'issue_id')
  inList('e.type', filter.type, driver.kind === 'column' && driver.column === 'type')
  inList('e.level', filter.level, false)
  if (filter.receivedAfter !== undefined && driver.kind !== 'received') sql.add('AND e.received_at > ?', filter.receivedAfter.getTime())
  for (const term of termsOfFilter(filter)) {
    if (driver.kind === 'term' && driver.key === term.key) continue
    // An event after indexed_through has no term rows yet: its doc is checked instead.
    // A CASE, not an AND: SQLite evaluated `rowid > (subquery) AND <doc check>` doc
    // first, reading and parsing the doc of every indexed row the lookup rejected
    // (bucket counts on 1M events: 54 → 291–358 ms).
    const [inDoc, inDocParams] = termInDoc(term)
    sql.add(
      `AND (EXISTS (SELECT 1 FROM event_terms AS x WHERE x.project_id = e.project_id AND x.name = ?
         AND x.value IN (${placeholders(term.values.length)}) AND x.timestamp = e.timestamp AND x.event_id = e.id)
       OR CASE WHEN e.rowid > (SELECT indexed_through FROM event_index_state) THEN ${inDoc} END)`,
      term.name,
      ...term.values,
      ...inDocParams,
    )
  }
  if (nonEmpty(filter.user)) {
    // Not a term (see the top of the file). user.id may be a number: "42" matches 42.
    const users = [...new Set(filter.user)]
    const list = placeholders(users.length)
    sql.add(
      `AND (CASE json_type(e.doc, '$.user.id') WHEN 'text' THEN json_extract(e.doc, '$.user.id')
              WHEN 'integer' THEN CAST(json_extract(e.doc, '$.user.id') AS TEXT) END IN (${list})
            OR json_extract(e.doc, '$.user.email') IN (${list}) OR json_extract(e.doc, '$.user.username') IN (${list}))`,
      ...users,
      ...users,
      ...users,
    )
  }
  if (nonEmpty(filter.url)) {
    const any = filter.url.map((u) => containsSql(db, "json_extract(e.doc, '$.url')", u))
    sql.add(`AND (${any.map(([s]) => s).join(' OR ')})`, ...any.map(([, p]) => p))
  }
  for (const word of words(filter.text)) {
    const [m, mp] = containsSql(db, 'e.message', word)
    const [t, tp] = containsSql(db, 'e.type', word)
    sql.add(`AND (${m} OR ${t})`, mp, tp)
  }
}

/**
 * One arm per driver value: SELECT ts, id of matching rows in (ts, id) order,
 * within the bounds, limited to `limit` when given.
 */
function arms(db: Db, filter: EventFilter, driver: Driver, bounds: Bounds, limit: number | null, withConditions = true): Sql[] {
  const dir = bounds.order === 'desc' ? 'DESC' : 'ASC'
  const values: readonly (string | null)[] = driver.kind === 'time' || driver.kind === 'received' ? [null] : driver.values
  const parts = values.map((value) => {
    const sql = new Sql()
    if (driver.kind === 'text') {
      // Every candidate of the word(s), in any project and time: small by choice (see chooseDriver), then sorted.
      sql.add(
        `SELECT e.timestamp AS ts, e.id AS id, e.rowid AS rid FROM errors_text AS f CROSS JOIN errors AS e
         WHERE f.errors_text MATCH ? AND e.rowid = f.rowid AND e.project_id = ?`,
        value as string,
        filter.projectId,
      )
      rangeSql(sql, 'e.timestamp', 'e.id', bounds)
      if (withConditions) rowConditions(db, sql, filter, driver)
      sql.add(`ORDER BY e.timestamp ${dir}, e.id ${dir}`)
    } else if (driver.kind === 'term') {
      const conditions = new Sql()
      if (withConditions) rowConditions(db, conditions, filter, driver)
      // Term rows exist only for stored events: without conditions on the event, no join.
      const join = conditions.parts.length > 0
      sql.add(
        `SELECT t.timestamp AS ts, t.event_id AS id, NULL AS rid FROM event_terms AS t ${join ? 'CROSS JOIN errors AS e' : ''}
         WHERE t.project_id = ? AND t.name = ? AND t.value = ?`,
        filter.projectId,
        driver.name,
        value as string,
      )
      rangeSql(sql, 't.timestamp', 't.event_id', bounds)
      if (join) {
        sql.add('AND e.id = t.event_id AND e.project_id = t.project_id')
        sql.add(conditions.parts.join(' '), ...conditions.params)
      }
      sql.add(`ORDER BY t.timestamp ${dir}, t.event_id ${dir}`)
    } else {
      const index = driver.kind === 'column' ? driver.index : driver.kind === 'received' ? 'errors_received' : 'errors_project_time'
      sql.add(`SELECT e.timestamp AS ts, e.id AS id, e.rowid AS rid FROM errors AS e INDEXED BY ${index} WHERE e.project_id = ?`, filter.projectId)
      if (driver.kind === 'column') sql.add(`AND e.${driver.column} = ?`, value as string)
      if (driver.kind === 'received') sql.add('AND e.received_at > ?', (filter.receivedAfter as Date).getTime())
      rangeSql(sql, 'e.timestamp', 'e.id', bounds)
      if (withConditions) rowConditions(db, sql, filter, driver)
      sql.add(`ORDER BY e.timestamp ${dir}, e.id ${dir}`)
    }
    if (limit !== null) sql.add('LIMIT ?', limit)
    return sql
  })
  // The term rows and words of the newest events are written after them (schema 5).
  if (driver.kind === 'term' || driver.kind === 'text') parts.push(unindexedArm(db, filter, bounds, limit, withConditions))
  return parts
}

/**
 * The events not yet in event_terms / errors_text that match every condition, read
 * from the table after indexed_through (the rowid range: NOT INDEXED keeps SQLite off
 * the project's time index). Usually the last few hundred; in the same statement as
 * the indexed arms, so the two never overlap. Without conditions (slice ends, which
 * only need positions in order) it yields all of them in the range.
 */
function unindexedArm(db: Db, filter: EventFilter, bounds: Bounds, limit: number | null, withConditions: boolean): Sql {
  const dir = bounds.order === 'desc' ? 'DESC' : 'ASC'
  const sql = new Sql().add(
    `SELECT e.timestamp AS ts, e.id AS id, e.rowid AS rid FROM errors AS e NOT INDEXED
     WHERE e.rowid > (SELECT indexed_through FROM event_index_state) AND e.project_id = ?`,
    filter.projectId,
  )
  rangeSql(sql, 'e.timestamp', 'e.id', bounds)
  if (withConditions) rowConditions(db, sql, filter, {kind: 'time'})
  sql.add(`ORDER BY e.timestamp ${dir}, e.id ${dir}`)
  if (limit !== null) sql.add('LIMIT ?', limit)
  return sql
}

/**
 * Several arms as one row source. No event is in two arms: each driver field has one
 * value per event, and the unindexed arm starts after the indexed rows.
 */
function union(parts: Sql[]): Sql {
  if (parts.length === 1) return parts[0] as Sql
  const sql = new Sql()
  parts.forEach((part, i) => {
    if (i > 0) sql.add('UNION ALL')
    sql.add(`SELECT ts, id, rid FROM (${part.parts.join(' ')})`, ...part.params)
  })
  return sql
}

/** How many rows the driver yields within the range, counted up to COUNT_CAP. */
function driverSize(db: Db, filter: EventFilter, driver: Driver, bounds: Bounds): number {
  if (driver.kind === 'time') return Number.POSITIVE_INFINITY
  if (driver.kind === 'received') {
    // All projects: an upper bound, read from the index alone.
    const sql = 'SELECT count(*) AS n FROM (SELECT 1 FROM errors INDEXED BY errors_received WHERE received_at > ? LIMIT ?)'
    return (cached(db, sql).get((filter.receivedAfter as Date).getTime(), COUNT_CAP) as {n: number}).n
  }
  if (driver.kind === 'text') {
    // All projects, all times: an upper bound, and a cheap one (no row is read).
    const sql = 'SELECT count(*) AS n FROM (SELECT 1 FROM errors_text WHERE errors_text MATCH ? LIMIT ?)'
    return (cached(db, sql).get(driver.values[0], COUNT_CAP) as {n: number}).n
  }
  let total = 0
  for (const value of driver.values) {
    const sql = new Sql()
    if (driver.kind === 'term') {
      sql.add('SELECT 1 FROM event_terms AS t WHERE t.project_id = ? AND t.name = ? AND t.value = ?', filter.projectId, driver.name, value)
      rangeSql(sql, 't.timestamp', 't.event_id', bounds)
    } else {
      sql.add(`SELECT 1 FROM errors AS e INDEXED BY ${driver.index} WHERE e.project_id = ? AND e.${driver.column} = ?`, filter.projectId, value)
      rangeSql(sql, 'e.timestamp', 'e.id', bounds)
    }
    sql.add('LIMIT ?', COUNT_CAP - total)
    const row = cached(db, `SELECT count(*) AS n FROM (${sql.parts.join(' ')})`).get(...sql.params) as {n: number}
    total += row.n
    if (total >= COUNT_CAP) return COUNT_CAP
  }
  return total
}

/**
 * The driver with the fewest rows; ties (all large) go to the errors indexes
 * first. The text and received drivers only when their candidates are fewer than
 * COUNT_CAP: they come in no useful order and are sorted in full, while a common
 * word (or a long backlog) is found fast by walking any index in time order.
 */
function chooseDriver(db: Db, filter: EventFilter, bounds: Bounds): Driver {
  const candidates = candidateDrivers(filter)
  if (candidates.length === 1 && !sortsInFull(candidates[0] as Driver)) return candidates[0] as Driver
  let best: Driver = {kind: 'time'}
  let bestSize = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    if (bestSize === 0) break
    const size = driverSize(db, filter, candidate, bounds)
    if (sortsInFull(candidate) && size >= COUNT_CAP) continue
    if (size < bestSize) {
      best = candidate
      bestSize = size
    }
  }
  return best
}

function boundsOf(filter: EventFilter, order: 'desc' | 'asc', after?: {timestamp: Date; id: string}): Bounds {
  const bounds: Bounds = {order}
  if (filter.from !== undefined) bounds.from = filter.from.getTime()
  if (filter.to !== undefined) bounds.to = filter.to.getTime()
  if (after !== undefined) bounds.after = {timestamp: after.timestamp.getTime(), id: String(after.id)}
  return bounds
}

// ---- slices -----------------------------------------------------------------------
//
// better-sqlite3 is synchronous: while a statement runs, the process serves nothing
// else (ingest included). A query whose conditions reject most of the rows its
// driver yields (a word that is nowhere, a user filter, which is not indexed) may
// walk the whole project, so it walks it in slices: the driver's next `slice` rows,
// then the conditions on just those, then a turn of the event loop before the next
// slice. Slices grow or shrink to take about SLICE_TARGET_MS each. A query without
// such conditions reads only what it returns (or counts) and runs in one statement.

/** A runner executes one synchronous step on the store's current connection (and translates its errors). */
export type Runner = <T>(step: (db: Db) => T) => T

const SLICE_TARGET_MS = 20
const SLICE_MIN = 500
const SLICE_MAX = 200_000

function hasRowConditions(db: Db, filter: EventFilter, driver: Driver): boolean {
  const sql = new Sql()
  rowConditions(db, sql, filter, driver)
  return sql.parts.length > 0
}

/** The position of the driver's `slice`-th row within the bounds, or null when fewer remain. */
function sliceEnd(db: Db, filter: EventFilter, driver: Driver, bounds: Bounds, slice: number): Position | null {
  const dir = bounds.order === 'desc' ? 'DESC' : 'ASC'
  const source = union(arms(db, filter, driver, bounds, slice, false))
  const sql = new Sql()
    .add('SELECT ts, id FROM (')
    .add(source.parts.join(' '), ...source.params)
    .add(`) ORDER BY ts ${dir}, id ${dir} LIMIT 1 OFFSET ?`, slice - 1)
  const row = cached(db, sql.parts.join(' ')).get(...sql.params) as {ts: number; id: string} | undefined
  return row === undefined ? null : {timestamp: row.ts, id: row.id}
}

function nextSlice(slice: number, elapsedMs: number): number {
  const factor = Math.min(4, Math.max(0.25, SLICE_TARGET_MS / Math.max(elapsedMs, 0.5)))
  return Math.round(Math.min(SLICE_MAX, Math.max(SLICE_MIN, slice * factor)))
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Calls `step` with bounds for consecutive slices of the driver's range (or once,
 * for the whole range, when there is nothing to slice) until it returns true.
 */
async function inSlices(
  run: Runner,
  filter: EventFilter,
  driver: Driver,
  bounds: Bounds,
  firstSlice: number,
  step: (db: Db, bounds: Bounds) => boolean,
): Promise<void> {
  // A text or received driver yields few rows (see chooseDriver): no need to slice them.
  if (sortsInFull(driver) || !run((db) => hasRowConditions(db, filter, driver))) {
    run((db) => step(db, bounds))
    return
  }
  let current = bounds
  let slice = firstSlice
  for (;;) {
    const started = performance.now()
    const end = run((db) => sliceEnd(db, filter, driver, current, slice))
    const done = run((db) => step(db, end === null ? current : {...current, until: end}))
    if (done || end === null) return
    current = {...current, after: end}
    slice = nextSlice(slice, performance.now() - started)
    await yieldToEventLoop()
  }
}

// ---- the queries ------------------------------------------------------------------

function pageRows<R extends EventJsonRow>(db: Db, filter: EventFilter, driver: Driver, bounds: Bounds, limit: number, columns: string): R[] {
  const dir = bounds.order === 'desc' ? 'DESC' : 'ASC'
  if (driver.kind === 'time' && !hasRowConditions(db, filter, driver)) {
    // Nothing to check (a plain list, an unfiltered export): the rows in index order,
    // in one statement, without collecting positions first.
    const sql = new Sql().add(
      `SELECT ${columns} FROM errors AS e INDEXED BY errors_project_time WHERE e.project_id = ?`,
      filter.projectId,
    )
    rangeSql(sql, 'e.timestamp', 'e.id', bounds)
    sql.add(`ORDER BY e.timestamp ${dir}, e.id ${dir} LIMIT ?`, limit)
    return cached(db, sql.parts.join(' ')).all(...sql.params) as R[]
  }
  const source = union(arms(db, filter, driver, bounds, limit))
  // Arms on errors carry the rowid: one B-tree lookup per row instead of the id index, then the rowid.
  const join = driver.kind === 'term' ? 'e.id = p.id' : 'e.rowid = p.rid'
  const sql = new Sql()
    .add(`SELECT ${columns} FROM (SELECT ts, id, rid FROM (`)
    .add(source.parts.join(' '), ...source.params)
    .add(`) ORDER BY ts ${dir}, id ${dir} LIMIT ?) AS p CROSS JOIN errors AS e ON ${join}`, limit)
    .add(`ORDER BY p.ts ${dir}, p.id ${dir}`)
  return cached(db, sql.parts.join(' ')).all(...sql.params) as R[]
}

export function queryEventRows(run: Runner, filter: EventFilter, page: EventPageRequest): Promise<EventQueryRow[]>
export function queryEventRows(run: Runner, filter: EventFilter, page: EventPageRequest, columns: typeof JSON_COLUMNS): Promise<EventJsonRow[]>
export async function queryEventRows(run: Runner, filter: EventFilter, page: EventPageRequest, columns: string = EVENT_COLUMNS): Promise<EventJsonRow[]> {
  const limit = Math.max(0, Math.floor(page.limit))
  if (limit === 0 || matchesNothing(filter)) return []
  const bounds = boundsOf(filter, page.order, page.after)
  const driver = run((db) => chooseDriver(db, filter, bounds))
  const out: EventJsonRow[] = []
  await inSlices(run, filter, driver, bounds, Math.max(2000, limit * 20), (db, slice) => {
    out.push(...pageRows(db, filter, driver, slice, limit - out.length, columns))
    return out.length >= limit
  })
  return out
}

export async function countEventRowsByBucket(
  run: Runner,
  filter: EventFilter,
  bucketMs: number,
  from: Date,
  to: Date,
): Promise<TimeBucket[]> {
  const size = Math.floor(bucketMs)
  if (!(size > 0)) throw new RangeError('bucketMs must be a positive number of milliseconds')
  const start = from.getTime()
  const bounds: Bounds = {order: 'asc', from: start, to: to.getTime()}
  if (filter.from !== undefined) bounds.from = Math.max(start, filter.from.getTime())
  if (filter.to !== undefined) bounds.to = Math.min(bounds.to as number, filter.to.getTime())
  if ((bounds.from as number) >= (bounds.to as number) || matchesNothing(filter)) return []
  const driver = run((db) => chooseDriver(db, filter, bounds))
  const counts = new Map<number, number>()
  await inSlices(run, filter, driver, bounds, 10_000, (db, slice) => {
    const source = union(arms(db, filter, driver, slice, null))
    const sql = new Sql()
      .add('SELECT CAST((ts - ?) / ? AS INTEGER) AS k, count(*) AS n FROM (', start, size)
      .add(source.parts.join(' '), ...source.params)
      .add(') GROUP BY k')
    for (const row of cached(db, sql.parts.join(' ')).all(...sql.params) as {k: number; n: number}[]) {
      counts.set(row.k, (counts.get(row.k) ?? 0) + row.n)
    }
    return false
  })
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([k, count]) => ({start: new Date(start + k * size), count}))
}

// ---- issues -----------------------------------------------------------------

const ISSUE_SORT = {
  lastSeen: {column: 'last_seen', index: 'issues_project_last_seen'},
  firstSeen: {column: 'first_seen', index: 'issues_project_first_seen'},
  count: {column: 'count', index: 'issues_project_count'},
} as const

export function queryIssueRows(db: Db, filter: IssueFilter, page: IssuePageRequest): IssueQueryRow[] {
  const limit = Math.max(0, Math.floor(page.limit))
  if (limit === 0) return []
  const sort = ISSUE_SORT[page.sort]
  if (sort === undefined) throw new RangeError(`unknown issue sort: ${String(page.sort)}`)
  const sql = new Sql().add(
    `SELECT id, project_id, fingerprint, type, message, level, status, count, first_seen, last_seen
     FROM issues AS i INDEXED BY ${sort.index} WHERE i.project_id = ?`,
    filter.projectId,
  )
  const inList = (column: string, values: readonly string[] | undefined): void => {
    if (!nonEmpty(values)) return
    const unique = [...new Set(values)]
    sql.add(`AND ${column} IN (${placeholders(unique.length)})`, ...unique)
  }
  inList('i.status', filter.status)
  inList('i.type', filter.type)
  inList('i.level', filter.level)
  for (const word of words(filter.text)) {
    const [m, mp] = containsSql(db, 'i.message', word)
    const [t, tp] = containsSql(db, 'i.type', word)
    sql.add(`AND (${m} OR ${t})`, mp, tp)
  }
  if (filter.from !== undefined) sql.add('AND i.last_seen >= ?', filter.from.getTime())
  // One upper bound on the sort column (see rangeSql): `to` and the cursor merged.
  let high: number | undefined
  if (filter.to !== undefined) {
    if (sort.column === 'first_seen') high = filter.to.getTime() - 1
    else sql.add('AND i.first_seen < ?', filter.to.getTime())
  }
  if (page.after !== undefined) {
    const value = Number(page.after.value)
    high = high === undefined ? value : Math.min(high, value)
    sql.add(`AND (i.${sort.column} < ? OR i.id < ?)`, value, String(page.after.id))
  }
  if (high !== undefined) sql.add(`AND i.${sort.column} <= ?`, high)
  sql.add(`ORDER BY i.${sort.column} DESC, i.id DESC LIMIT ?`, limit)
  return cached(db, sql.parts.join(' ')).all(...sql.params) as IssueQueryRow[]
}

// ---- prepared statements ------------------------------------------------------

const STATEMENT_CACHE_SIZE = 200
const STATEMENTS = new WeakMap<Db, Map<string, Database.Statement>>()

/** Prepared once per database handle and SQL text; the least recently used go first. */
function cached(db: Db, text: string): Database.Statement {
  let cache = STATEMENTS.get(db)
  if (cache === undefined) {
    cache = new Map()
    STATEMENTS.set(db, cache)
  }
  let stmt = cache.get(text)
  if (stmt !== undefined) {
    cache.delete(text)
  } else {
    stmt = db.prepare(text)
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  }
  cache.set(text, stmt)
  return stmt
}

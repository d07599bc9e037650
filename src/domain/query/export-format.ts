import type {EventJson} from '../../store/query-types.js'
import type {PublicEvent} from './service.js'

export type ExportFormat = 'ndjson' | 'csv' | 'json'
export const EXPORT_FORMATS: ExportFormat[] = ['ndjson', 'csv', 'json']

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
}

export const CSV_COLUMNS = [
  'id', 'timestamp', 'receivedAt', 'level', 'type', 'message', 'issueId', 'environment', 'release',
  'url', 'browser', 'os', 'user', 'tags', 'stack',
] as const

function nameVersion(v?: {name?: string; version?: string}): string {
  return v ? [v.name, v.version].filter(Boolean).join(' ') : ''
}

export function csvCell(value: string): string {
  // A cell that starts like a formula would run in a spreadsheet: error messages are
  // attacker-controlled, so such cells get a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function csvRow(e: PublicEvent): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: e.id,
    timestamp: e.timestamp,
    receivedAt: e.receivedAt,
    level: e.level,
    type: e.type,
    message: e.message,
    issueId: e.issueId,
    environment: e.environment ?? '',
    release: e.release ?? '',
    url: e.url ?? '',
    browser: nameVersion(e.browser),
    os: nameVersion(e.os),
    user: e.user ? JSON.stringify(e.user) : '',
    tags: Object.keys(e.tags).length ? JSON.stringify(e.tags) : '',
    stack: e.stack ?? '',
  }
  return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',') + '\r\n'
}

const CHUNK = 64 * 1024

/**
 * The export as UTF-8 chunks of about 64 KiB: few writes, and memory stays flat.
 * NDJSON and JSON carry each event's JSON text as the store holds it (the same
 * text the API answers with); only CSV parses it. Each chunk is encoded once,
 * as soon as it is full: yielding the string (a rope of its rows) left the
 * flattening and encoding to the socket write, and cost 40 % of the export rate
 * (62k vs 104k rows/s, 200k rows).
 */
export async function* formatExport(events: AsyncIterable<EventJson>, format: ExportFormat): AsyncGenerator<Buffer> {
  let buffer = format === 'csv' ? CSV_COLUMNS.join(',') + '\r\n' : format === 'json' ? '[' : ''
  let first = true
  for await (const {json} of events) {
    if (format === 'csv') buffer += csvRow(JSON.parse(json) as PublicEvent)
    else buffer += format === 'ndjson' ? json + '\n' : (first ? '\n' : ',\n') + json
    first = false
    if (buffer.length >= CHUNK) {
      yield Buffer.from(buffer)
      buffer = ''
    }
  }
  if (format === 'json') buffer += first ? ']\n' : '\n]\n'
  if (buffer) yield Buffer.from(buffer)
}

import type {ErrorEvent, Issue} from '../store/types.js'
import {formatTable} from './output.js'

export function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > width ? flat.slice(0, width - 1) + '…' : flat
}

export function errorTable(events: ErrorEvent[]): string {
  if (events.length === 0) return 'no errors match'
  return formatTable(
    ['TIME', 'LEVEL', 'TYPE', 'MESSAGE', 'ID'],
    events.map((e) => [e.timestamp.toISOString(), e.level, oneLine(e.type, 24), oneLine(e.message, 70), e.id]),
  )
}

export function errorLine(e: ErrorEvent): string {
  return `${e.timestamp.toISOString()}  ${e.level.padEnd(7)}  ${oneLine(e.type, 24)}: ${oneLine(e.message, 100)}  (${e.id})`
}

function context(label: string, value: unknown): string[] {
  if (value === undefined || value === null) return []
  if (typeof value !== 'object') return [`${label}: ${String(value)}`]
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) return []
  return [`${label}:`, ...entries.map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)]
}

/** Everything stored about one error, for a terminal. */
export function errorDetails(e: ErrorEvent): string {
  const lines = [
    `${e.type}: ${e.message}`,
    '',
    `id:          ${e.id}`,
    `issue:       ${e.issueId}`,
    `level:       ${e.level}`,
    `time:        ${e.timestamp.toISOString()} (received ${e.receivedAt.toISOString()})`,
  ]
  for (const [label, value] of [['environment', e.environment], ['release', e.release], ['platform', e.platform], ['url', e.url]] as const) {
    if (value) lines.push(`${(label + ':').padEnd(12)} ${value}`)
  }
  const extra = [
    ...context('tags', e.tags),
    ...context('browser', e.browser),
    ...context('os', e.os),
    ...context('user', e.user),
    ...context('client', e.client),
    ...context('sdk', e.sdk),
    ...context('contexts', e.contexts),
  ]
  if (extra.length) lines.push('', ...extra)
  if (e.stack || e.frames.length) {
    lines.push('', 'stack trace (in-app frames marked >):')
    if (e.frames.length) {
      for (const f of e.frames) {
        const where = [f.file, f.line, f.column].filter((x) => x !== undefined).join(':')
        lines.push(`  ${f.inApp ? '>' : ' '} at ${f.function ?? '<anonymous>'} (${where})`)
      }
    } else lines.push(...(e.stack ?? '').split('\n').map((l) => `  ${l}`))
  }
  return lines.join('\n')
}

export function issueTable(issues: Issue[]): string {
  if (issues.length === 0) return 'no issues match'
  return formatTable(
    ['ID', 'STATUS', 'COUNT', 'LEVEL', 'TYPE', 'MESSAGE', 'LAST SEEN'],
    issues.map((i) => [i.id, i.status, i.count, i.level, oneLine(i.type, 24), oneLine(i.message, 60), i.lastSeen.toISOString()]),
  )
}

import type {Interval} from './api.js'

const numberFormat = new Intl.NumberFormat()

export function formatCount(n: number): string {
  return numberFormat.format(n)
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'medium'})

export function absoluteTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : absoluteFormat.format(date)
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function relativeTime(iso: string, now = Date.now()): string {
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) return iso
  const seconds = Math.round((now - t) / 1000)
  if (seconds < -60) return absoluteTime(iso)
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.round(hours / 24)
  if (days < 30) return days === 1 ? 'yesterday' : `${days} days ago`
  return new Intl.DateTimeFormat(undefined, {dateStyle: 'medium'}).format(new Date(t))
}

const timeOnly = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit'})
const dayOnly = new Intl.DateTimeFormat(undefined, {month: 'short', day: 'numeric'})
const dayTime = new Intl.DateTimeFormat(undefined, {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'})

/** A chart axis label for a bucket start. */
export function bucketLabel(iso: string, interval: Interval): string {
  const date = new Date(iso)
  return interval === 'day' ? dayOnly.format(date) : interval === 'hour' ? dayTime.format(date) : timeOnly.format(date)
}

export function bucketTitle(iso: string, interval: Interval): string {
  const date = new Date(iso)
  return interval === 'day' ? dayOnly.format(date) : dayTime.format(date)
}

export function shortId(id: string): string {
  return id.slice(0, 8)
}

/** Frames print like a stack trace line: `fn (file:line:column)`. */
export function frameLocation(frame: {file?: string; line?: number; column?: number}): string {
  if (!frame.file) return ''
  let loc = frame.file
  if (frame.line !== undefined) loc += `:${frame.line}`
  if (frame.column !== undefined) loc += `:${frame.column}`
  return loc
}

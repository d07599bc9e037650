// What one insertEvents call adds to the issue and counter totals. Both engines
// compute it the same way, then apply it with upserts (so concurrent writers,
// which each add their own deltas, need no read-modify-write).
//
// Times: an issue's firstSeen/lastSeen follow the events' own timestamps (when the
// error happened, like the event list's order); the per-minute counters follow
// receivedAt (ingestion volume, which a client's clock cannot skew).

import type {ErrorEvent, Level} from './types.js'

export interface IssueDelta {
  issueId: string
  projectId: number
  fingerprint: string
  /** Of the batch's earliest event: used only when the issue is new. */
  type: string
  message: string
  /** Of the batch's latest event: applied when the batch is not older than the issue's lastSeen. */
  level: Level
  count: number
  firstSeen: Date
  lastSeen: Date
}

export interface MinuteDelta {
  projectId: number
  /** Start of the minute, epoch ms (UTC). */
  minute: number
  count: number
}

export function minuteOf(date: Date): number {
  return Math.floor(date.getTime() / 60_000) * 60_000
}

export function issueDeltas(events: readonly ErrorEvent[]): IssueDelta[] {
  const byIssue = new Map<string, IssueDelta>()
  for (const event of events) {
    const delta = byIssue.get(event.issueId)
    if (delta === undefined) {
      byIssue.set(event.issueId, {
        issueId: event.issueId,
        projectId: event.projectId,
        fingerprint: event.fingerprint,
        type: event.type,
        message: event.message,
        level: event.level,
        count: 1,
        firstSeen: event.timestamp,
        lastSeen: event.timestamp,
      })
      continue
    }
    delta.count += 1
    if (event.timestamp.getTime() < delta.firstSeen.getTime()) {
      delta.firstSeen = event.timestamp
      delta.type = event.type
      delta.message = event.message
    }
    // Ties go to the later event in the batch: it arrived last.
    if (event.timestamp.getTime() >= delta.lastSeen.getTime()) {
      delta.lastSeen = event.timestamp
      delta.level = event.level
    }
  }
  return [...byIssue.values()]
}

export function minuteDeltas(events: readonly ErrorEvent[]): MinuteDelta[] {
  const byMinute = new Map<string, MinuteDelta>()
  for (const event of events) {
    const minute = minuteOf(event.receivedAt)
    const key = `${event.projectId}:${minute}`
    const delta = byMinute.get(key)
    if (delta === undefined) byMinute.set(key, {projectId: event.projectId, minute, count: 1})
    else delta.count += 1
  }
  return [...byMinute.values()]
}

import {randomUUID} from 'node:crypto'

/**
 * 32 lower-case hex characters: the shape of a Sentry event_id, used for every string id.
 *
 * Time first (12 hex digits of epoch ms, like UUIDv7), then 80 random bits. Event ids
 * are a unique index: random ones land on a random page of it each, so every event
 * written dirtied (and sent through the WAL) a page of its own; ids in time order
 * append to the last page instead.
 */
export function newId(): string {
  const random = randomUUID()
  // The UUID's random hex digits: not its version (index 14) nor variant (index 19).
  return Date.now().toString(16).padStart(12, '0') + random.slice(0, 8) + random.slice(9, 13) + random.slice(24, 32)
}

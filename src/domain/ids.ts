import {randomUUID} from 'node:crypto'

/** 32 lower-case hex characters: the shape of a Sentry event_id, used for every string id. */
export function newId(): string {
  return randomUUID().replace(/-/g, '')
}

// The one place that turns a `--db` URL into a Store. Nothing outside src/store
// imports a database driver; everything else gets a Store from here.

import {ConfigError} from '../errors.js'
import {displayDbUrl} from './display-url.js'
import {MongoStore} from './mongo/mongo-store.js'
import {SqliteStore} from './sqlite/sqlite-store.js'
import type {Store} from './types.js'

export {displayDbUrl} from './display-url.js'

export const DEFAULT_DB_URL = 'sqlite:./crashlog-data/crashlog.db'

/** The store for url, initialised (schema created or migrated, indexes built). */
export async function openStore(url: string): Promise<Store> {
  const store = createStore(url)
  try {
    await store.init()
  } catch (err) {
    // Do not keep a half-open client (and its monitoring timers) around.
    await store.close().catch(() => undefined)
    throw err
  }
  return store
}

/** The store for url, not yet initialised. */
export function createStore(url: string): Store {
  const trimmed = url.trim()
  if (/^sqlite:/i.test(trimmed)) {
    if (trimmed.length === 'sqlite:'.length) {
      throw new ConfigError(`--db ${displayDbUrl(url)} names no file; use e.g. sqlite:./crashlog-data/crashlog.db`)
    }
    return new SqliteStore(`sqlite:${trimmed.slice('sqlite:'.length)}`)
  }
  if (/^mongodb(\+srv)?:\/\//i.test(trimmed)) {
    return new MongoStore(trimmed)
  }
  throw new ConfigError(
    `--db ${JSON.stringify(displayDbUrl(url))} is not a database URL crashlog knows: use sqlite:<path> or mongodb://…`,
  )
}

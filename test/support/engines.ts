// Runs a suite once per storage engine. Each newDatabaseUrl() call is a fresh,
// empty database: a new SQLite file in its own temp folder, or a new MongoDB
// database name on the run's server (see global-setup.ts).

import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {MongoClient} from 'mongodb'
import {openStore} from '../../src/store/open.js'
import type {Store} from '../../src/store/types.js'

export interface TestEngine {
  name: 'sqlite' | 'mongodb'
  /** A URL for a new, empty database of this engine. */
  newDatabaseUrl(): string
}

/** Set by the global setup: the base URI of the run's MongoDB-compatible server. */
export const MONGO_URL_ENV = 'CRASHLOG_TEST_MONGO_URL_RESOLVED'
/** Set by the global setup: `available` or `unavailable`. */
export const MONGO_STATUS_ENV = 'CRASHLOG_TEST_MONGO_STATUS'

export function mongoRequired(): boolean {
  return process.env.CRASHLOG_REQUIRE_MONGO === '1'
}

let sqliteRoot: string | null = null
let sqliteCount = 0

function sqliteDatabaseUrl(): string {
  if (sqliteRoot === null) {
    const root = mkdtempSync(join(tmpdir(), 'crashlog-test-'))
    sqliteRoot = root
    process.on('exit', () => rmSync(root, {recursive: true, force: true}))
  }
  sqliteCount += 1
  const dir = join(sqliteRoot, `db-${sqliteCount}`)
  mkdirSync(dir)
  return `sqlite:${dir}/crashlog.db`
}

const createdMongoDatabases = new Set<string>()

/** `base` with its database path replaced by `name`; the query string is kept. */
export function withDatabaseName(base: string, name: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(base)
  if (!match) throw new Error(`not a MongoDB URI: ${base}`)
  return `${match[1]}/${name}${match[3] ?? ''}`
}

function mongoDatabaseUrl(): string {
  const base = process.env[MONGO_URL_ENV]
  if (!base) throw new Error('no MongoDB test server (the suite should have been skipped)')
  const name = `crashlog_test_${randomBytes(6).toString('hex')}`
  createdMongoDatabases.add(name)
  return withDatabaseName(base, name)
}

/** Drops the databases newDatabaseUrl() handed out, on a server this run did not start. */
export async function dropCreatedMongoDatabases(base: string): Promise<void> {
  if (createdMongoDatabases.size === 0) return
  const client = new MongoClient(base, {serverSelectionTimeoutMS: 3000})
  try {
    for (const name of createdMongoDatabases) await client.db(name).dropDatabase()
    createdMongoDatabases.clear()
  } finally {
    await client.close()
  }
}

export const ENGINES: readonly TestEngine[] = [
  {name: 'sqlite', newDatabaseUrl: sqliteDatabaseUrl},
  {name: 'mongodb', newDatabaseUrl: mongoDatabaseUrl},
]

let warnedNoSetup = false

/** Defines `${title} [sqlite]` and `${title} [mongodb]`, each running body. */
export function describeEachEngine(title: string, body: (engine: TestEngine) => void): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine.name}]`, function () {
      if (engine.name === 'mongodb') {
        // Registered before body's hooks, so it runs first.
        before(function () {
          if (process.env[MONGO_URL_ENV]) return
          if (mongoRequired()) {
            throw new Error('CRASHLOG_REQUIRE_MONGO=1 but no MongoDB-compatible server is available')
          }
          if (process.env[MONGO_STATUS_ENV] === undefined && !warnedNoSetup) {
            warnedNoSetup = true
            process.stderr.write(
              'crashlog tests: MongoDB suites skipped: the global setup (dist/test/support/global-setup.js) did not run; use .mocharc.json\n',
            )
          }
          this.skip()
        })
      }
      body(engine)
    })
  }
}

/** An opened (initialised) store on a fresh database of the engine. */
export async function openTestStore(engine: TestEngine): Promise<Store> {
  return openStore(engine.newDatabaseUrl())
}

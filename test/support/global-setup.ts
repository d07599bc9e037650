// Mocha root-hook plugin (.mocharc.json "require"): one MongoDB-compatible server
// for the whole run. The MongoDB suites read its URI from the environment.

import {findMongoServer, type MongoTestServer} from './mongo-server.js'
import {MONGO_STATUS_ENV, MONGO_URL_ENV, dropCreatedMongoDatabases, mongoRequired} from './engines.js'

let server: MongoTestServer | null = null

export async function mochaGlobalSetup(): Promise<void> {
  const {server: found, notes} = await findMongoServer()
  if (found) {
    server = found
    process.env[MONGO_URL_ENV] = found.uri
    process.env[MONGO_STATUS_ENV] = 'available'
    process.stderr.write(`crashlog tests: MongoDB suites run against ${found.description} at ${found.uri}\n`)
    return
  }
  delete process.env[MONGO_URL_ENV]
  process.env[MONGO_STATUS_ENV] = 'unavailable'
  const bar = '!'.repeat(78)
  const lines = [
    '',
    bar,
    '!!  NO MONGODB-COMPATIBLE SERVER: THE MONGODB TEST SUITES ARE SKIPPED.',
    '!!  Only the SQLite engine is being tested in this run.',
    '!!',
    '!!  To test MongoDB too, do one of:',
    '!!    - set CRASHLOG_TEST_MONGO_URI=mongodb://host:port/',
    '!!    - put mongod or ferretdb on PATH',
    '!!    - install Go, so test/support/build-ferretdb.sh can build FerretDB',
    '!!  Set CRASHLOG_REQUIRE_MONGO=1 to make this a failure instead of a skip.',
    '!!',
    '!!  What was tried:',
    ...notes.flatMap((note) => note.split('\n').map((line, i) => `!!    ${i === 0 ? '- ' : '  '}${line}`)),
    bar,
    '',
  ]
  process.stderr.write(`${lines.join('\n')}\n`)
  if (mongoRequired()) {
    throw new Error(`CRASHLOG_REQUIRE_MONGO=1 but no MongoDB-compatible server is available:\n${notes.join('\n')}`)
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (server === null) return
  const current = server
  server = null
  try {
    // A server we started is thrown away whole; on a given one, drop what we created.
    if (!current.started) await dropCreatedMongoDatabases(current.uri)
  } finally {
    await current.stop()
  }
}

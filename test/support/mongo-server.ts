// Finds a MongoDB-compatible server for the test run, in the order DESIGN.md gives:
//   1. CRASHLOG_TEST_MONGO_URI
//   2. a `mongod` on PATH, started on a free loopback port with a temp dbpath
//   3. FerretDB: `ferretdb` on PATH, or .cache/ferretdb/ferretdb
//   4. FerretDB built by test/support/build-ferretdb.sh when Go is present
// Test support may use the driver directly: it is not application code.
//
// startDedicatedMongoServer() starts one more server of the same kind (same binary)
// for a test that stops, freezes and restarts it on the same port and data folder.

import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {delimiter, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {MongoClient} from 'mongodb'
import {displayDbUrl} from '../../src/store/display-url.js'

export interface MongoTestServer {
  /** Base URI without a database name, e.g. mongodb://127.0.0.1:40123/ */
  uri: string
  /** What it is, for the run's log: "FerretDB (…/ferretdb)", "mongod", "CRASHLOG_TEST_MONGO_URI". */
  description: string
  /** True when this process started the server (and stop() will end it). */
  started: boolean
  stop(): Promise<void>
}

export type FindResult = {server: MongoTestServer; notes: string[]} | {server: null; notes: string[]}

const START_TIMEOUT_MS = 30_000

/** The repository root: the nearest folder above this file with a package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the repository root (no package.json above test/support)')
    dir = parent
  }
}

function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, command)
    if (existsSync(candidate)) return candidate
  }
  return null
}

/** Whether a binary starts at all (`--version` exits 0). Catches e.g. a FerretDB built by plain `go install`. */
function runsVersion(binary: string): {ok: true} | {ok: false; why: string} {
  const result = spawnSync(binary, ['--version'], {encoding: 'utf8', timeout: 15_000})
  if (result.status === 0) return {ok: true}
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? ''
  return {ok: false, why: result.error ? result.error.message : `exit ${result.status}: ${output}`}
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('no port'))
        return
      }
      server.close(() => resolvePort(address.port))
    })
  })
}

/** Resolves once the server answers a ping; rejects after timeoutMs or if isDead() says it exited. */
async function waitForPing(uri: string, timeoutMs: number, isDead: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    const dead = isDead()
    if (dead !== null) throw new Error(dead)
    const client = new MongoClient(uri, {serverSelectionTimeoutMS: 500, connectTimeoutMS: 500})
    try {
      await client.db('admin').command({ping: 1})
      return
    } catch (err) {
      lastError = err
    } finally {
      await client.close().catch(() => undefined)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`no answer within ${timeoutMs} ms (${lastError instanceof Error ? lastError.message : lastError})`)
}

async function pingOnce(uri: string): Promise<void> {
  const client = new MongoClient(uri, {serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000})
  try {
    await client.db('admin').command({ping: 1})
  } finally {
    await client.close().catch(() => undefined)
  }
}

interface Launched {
  child: ChildProcess
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>
}

/**
 * Spawns binary with args, logging to <dir>/server.log, and waits for it to answer
 * on port. On failure the process is gone and the error carries the log's tail.
 */
async function launch(name: string, binary: string, args: string[], dir: string, port: number): Promise<Launched> {
  const logPath = join(dir, 'server.log')
  const logFd = openSync(logPath, 'a')
  let child: ChildProcess
  try {
    child = spawn(binary, args, {stdio: ['ignore', logFd, logFd]})
  } finally {
    closeSync(logFd)
  }
  let exited: string | null = null
  let spawnError: Error | null = null
  child.on('error', (err) => {
    spawnError = err
  })
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`
  })

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()))
      // A stopped (SIGSTOP) process cannot act on SIGTERM.
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      const killed = await Promise.race([gone.then(() => true), sleep(5000).then(() => false)])
      if (!killed) {
        child.kill('SIGKILL')
        await Promise.race([gone, sleep(2000)])
      }
    }
  }

  const uri = `mongodb://127.0.0.1:${port}/`
  try {
    await waitForPing(uri, START_TIMEOUT_MS, () =>
      spawnError ? `could not start: ${(spawnError as Error).message}` : exited,
    )
  } catch (err) {
    await stop()
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''
    const tail = log.split('\n').slice(-40).join('\n')
    throw new Error(
      `${name} (${binary}) did not start on 127.0.0.1:${port}: ${(err as Error).message}\n--- ${name} log (last lines) ---\n${tail}\n--- end of log ---`,
    )
  }
  return {child, stop}
}

/** launch(), with the data folder removed on stop() and should the test process end without teardown. */
async function startProcess(
  name: string,
  binary: string,
  args: string[],
  dir: string,
  port: number,
): Promise<MongoTestServer> {
  let launched: Launched | null = null
  // Safety net: do not leave the server behind.
  const onExit = (): void => {
    const child = launched?.child
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, {recursive: true, force: true})
  }
  process.on('exit', onExit)
  try {
    launched = await launch(name, binary, args, dir, port)
  } catch (err) {
    process.off('exit', onExit)
    rmSync(dir, {recursive: true, force: true})
    throw err
  }
  const running = launched
  const stop = async (): Promise<void> => {
    process.off('exit', onExit)
    await running.stop()
    rmSync(dir, {recursive: true, force: true})
  }
  return {uri: `mongodb://127.0.0.1:${port}/`, description: `${name} (${binary})`, started: true, stop}
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

type ServerKind = 'mongod' | 'FerretDB'

function serverArgs(kind: ServerKind, dir: string, port: number): string[] {
  if (kind === 'mongod') return ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--nounixsocket']
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=-',
    `--state-dir=${dir}`,
  ]
}

export async function startMongod(binary: string): Promise<MongoTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'crashlog-mongod-'))
  const port = await freePort()
  return startProcess('mongod', binary, serverArgs('mongod', dir, port), dir, port)
}

export async function startFerretDb(binary: string): Promise<MongoTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'crashlog-ferretdb-'))
  const port = await freePort()
  return startProcess('FerretDB', binary, serverArgs('FerretDB', dir, port), dir, port)
}

/** Set by findMongoServer when it started a server: {kind, binary}, for startDedicatedMongoServer. */
export const MONGO_BINARY_ENV = 'CRASHLOG_TEST_MONGO_BINARY'

function rememberBinary(kind: ServerKind, binary: string): void {
  process.env[MONGO_BINARY_ENV] = JSON.stringify({kind, binary})
}

/** A server of its own for one test, which may stop, freeze and restart it. */
export interface DedicatedMongoServer {
  /** Base URI without a database name; the same across restarts. */
  uri: string
  description: string
  readonly running: boolean
  /** Ends the process (SIGTERM); the port and the data folder are kept for start(). */
  stop(): Promise<void>
  /** Starts it again on the same port with the same data folder; resolves once it answers. */
  start(): Promise<void>
  /** SIGSTOP: the process keeps its sockets open but answers nothing. */
  pause(): void
  /** SIGCONT. */
  resume(): void
  /** Ends the process and removes the data folder. */
  destroy(): Promise<void>
}

export type DedicatedResult = {server: DedicatedMongoServer; reason?: undefined} | {server: null; reason: string}

/**
 * Starts another server with the binary this run's server came from (see
 * findMongoServer). None when the run uses CRASHLOG_TEST_MONGO_URI or found no
 * server: `reason` says why, and the caller decides between skip and failure.
 */
export async function startDedicatedMongoServer(): Promise<DedicatedResult> {
  const raw = process.env[MONGO_BINARY_ENV]
  if (!raw) {
    const given = process.env.CRASHLOG_TEST_MONGO_URI?.trim()
    return {
      server: null,
      reason: given
        ? `this run uses CRASHLOG_TEST_MONGO_URI=${displayDbUrl(given)}: there is no server binary to start a dedicated server with (put mongod or ferretdb on PATH and unset CRASHLOG_TEST_MONGO_URI to run this test)`
        : 'this run started no MongoDB-compatible server (see the notice of the global setup)',
    }
  }
  const {kind, binary} = JSON.parse(raw) as {kind: ServerKind; binary: string}
  const dir = mkdtempSync(join(tmpdir(), `crashlog-dedicated-${kind.toLowerCase()}-`))
  const port = await freePort()
  const args = serverArgs(kind, dir, port)
  let current: Launched | null = null
  const onExit = (): void => {
    const child = current?.child
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, {recursive: true, force: true})
  }
  process.on('exit', onExit)
  const signal = (name: NodeJS.Signals): void => {
    if (current === null) throw new Error(`the dedicated ${kind} is not running`)
    current.child.kill(name)
  }
  const server: DedicatedMongoServer = {
    uri: `mongodb://127.0.0.1:${port}/`,
    description: `dedicated ${kind} (${binary}) on 127.0.0.1:${port}`,
    get running() {
      return current !== null
    },
    async stop() {
      const running = current
      current = null
      await running?.stop()
    },
    async start() {
      if (current !== null) return
      current = await launch(kind, binary, args, dir, port)
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async destroy() {
      await server.stop()
      process.off('exit', onExit)
      rmSync(dir, {recursive: true, force: true})
    },
  }
  try {
    await server.start()
  } catch (err) {
    await server.destroy()
    throw err
  }
  return {server}
}

/** Builds FerretDB with the script; returns the binary, or null with the reason in notes. */
function buildFerretDb(root: string, notes: string[]): string | null {
  const script = join(root, 'test', 'support', 'build-ferretdb.sh')
  process.stderr.write('crashlog tests: building FerretDB for the MongoDB suites (first run only)…\n')
  const result = spawnSync('bash', [script], {stdio: ['ignore', 'inherit', 'inherit'], timeout: 20 * 60_000})
  const binary = join(root, '.cache', 'ferretdb', 'ferretdb')
  if (result.status === 0 && existsSync(binary)) return binary
  notes.push(`building FerretDB with ${script} failed (${result.error?.message ?? `exit ${result.status}`})`)
  return null
}

/**
 * Finds or starts a server. Never throws for "none available": the caller decides
 * whether that is a skip or a failure; notes say what was tried and why it failed.
 */
export async function findMongoServer(): Promise<FindResult> {
  const notes: string[] = []

  const given = process.env.CRASHLOG_TEST_MONGO_URI?.trim()
  if (given) {
    try {
      await pingOnce(given)
      return {
        server: {uri: given, description: 'CRASHLOG_TEST_MONGO_URI', started: false, stop: async () => undefined},
        notes,
      }
    } catch (err) {
      // The user asked for this server: do not silently fall back to another one.
      notes.push(`CRASHLOG_TEST_MONGO_URI=${displayDbUrl(given)} does not answer: ${(err as Error).message}`)
      return {server: null, notes}
    }
  }

  const mongod = onPath('mongod')
  if (mongod) {
    try {
      const server = await startMongod(mongod)
      rememberBinary('mongod', mongod)
      return {server, notes}
    } catch (err) {
      notes.push((err as Error).message)
    }
  } else {
    notes.push('no mongod on PATH')
  }

  const root = repoRoot()
  const cached = join(root, '.cache', 'ferretdb', 'ferretdb')
  const candidates = [onPath('ferretdb'), existsSync(cached) ? cached : null].filter((c): c is string => c !== null)
  if (candidates.length === 0) notes.push(`no ferretdb on PATH or at ${cached}`)
  const tried = new Set<string>()
  const tryFerret = async (binary: string): Promise<MongoTestServer | null> => {
    if (tried.has(binary)) return null
    tried.add(binary)
    const check = runsVersion(binary)
    if (!check.ok) {
      notes.push(`${binary} does not run (${check.why})`)
      return null
    }
    try {
      const server = await startFerretDb(binary)
      rememberBinary('FerretDB', binary)
      return server
    } catch (err) {
      notes.push((err as Error).message)
      return null
    }
  }
  for (const binary of candidates) {
    const server = await tryFerret(binary)
    if (server) return {server, notes}
  }

  if (onPath('go')) {
    const built = buildFerretDb(root, notes)
    if (built) {
      tried.delete(built)
      const server = await tryFerret(built)
      if (server) return {server, notes}
    }
  } else {
    notes.push('no Go toolchain on PATH to build FerretDB')
  }
  return {server: null, notes}
}

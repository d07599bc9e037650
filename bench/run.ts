// npm run bench — ingest throughput of crashlog against a bare Node http server on
// this machine, same load from a separate process, rounds alternated. See bench/README.md.

import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {parseArgs} from 'node:util'
import {MongoClient} from 'mongodb'
import {parseStack} from '../src/domain/ingest/stack.js'
import {computeFingerprint} from '../src/domain/ingest/fingerprint.js'
import {openStore} from '../src/store/open.js'
import {startFerretDb, startMongod, type MongoTestServer} from '../test/support/mongo-server.js'
import {buildCorpus, corpusStats} from './corpus.js'
import type {LoadJob} from './load.js'
import {measureQueries, type QueryKey, type QueryReport} from './queries.js'
import {createProject, ROOT, rssMiB, runLoad, sleep, startBare, startServe, type Measured, type Server} from './proc.js'

const {values: opts} = parseArgs({
  options: {
    rounds: {type: 'string', default: process.env.BENCH_ROUNDS ?? '3'},
    duration: {type: 'string', default: process.env.BENCH_DURATION ?? '10'},
    warmup: {type: 'string', default: process.env.BENCH_WARMUP ?? '3'},
    connections: {type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50'},
    million: {type: 'boolean', default: process.env.BENCH_MILLION === '1'},
    'million-only': {type: 'boolean', default: false},
    events: {type: 'string', default: process.env.BENCH_EVENTS ?? '1000000'},
    'no-mongo': {type: 'boolean', default: process.env.BENCH_NO_MONGO === '1'},
    'cpu-prof': {type: 'boolean', default: false},
    'no-queries': {type: 'boolean', default: process.env.BENCH_NO_QUERIES === '1'},
    'queries-only': {type: 'boolean', default: false},
    'query-events': {type: 'string', default: process.env.BENCH_QUERY_EVENTS ?? '1000000'},
    'query-mongo-events': {type: 'string', default: process.env.BENCH_QUERY_MONGO_EVENTS ?? '5000'},
    'query-runs': {type: 'string', default: process.env.BENCH_QUERY_RUNS ?? '20'},
    'query-db': {type: 'string'},
    help: {type: 'boolean', default: false},
  },
})

if (opts.help) {
  process.stdout.write(`npm run bench [-- options]
  --rounds N        measured rounds per target (default 3)
  --duration S      seconds per measured round (default 10)
  --warmup S        warm-up seconds per target before the rounds (default 3)
  --connections N   concurrent connections (default 50)
  --million         also fill a SQLite database to 1,000,000 events and compare rates (BENCH_MILLION=1)
  --million-only    only the 1M phase
  --events N        events for the fill phase (default 1000000)
  --no-mongo        skip the MongoDB row (BENCH_NO_MONGO=1)
  --cpu-prof        run crashlog serve under node --cpu-prof; profiles are kept and their folder printed
  --no-queries      skip the query part (BENCH_NO_QUERIES=1)
  --queries-only    only the query part
  --query-events N  events seeded for the SQLite query part (default 1000000)
  --query-mongo-events N  events seeded for the MongoDB query part (default 5000; 0 skips it)
  --query-runs N    measured requests per query (default 20, after 2 warm-ups)
  --query-db FILE   SQLite file for the query part, kept afterwards; seeded only if it has no project yet
                    (for repeated runs: seeding 1M events takes minutes; stats need it seeded within the last days)
`)
  process.exit(0)
}

const ROUNDS = Number(opts.rounds)
const DURATION = Number(opts.duration)
const WARMUP = Number(opts.warmup)
const CONNECTIONS = Number(opts.connections)
const FILL_EVENTS = Number(opts.events)
const RATE_LIMIT = '100000000' // the most `project update --rate-limit` takes: per minute, far above any rate here

// Targets from the product issue.
const MIN_RATIO = 0.5
const MAX_P99_MS = 20
const MIN_RATE_KEPT = 0.8
const MAX_RSS_GROWTH = 0.2
const QUERY_TARGETS = {listMs: 10, textMs: 50, deepRatio: 1.5, statsMs: 20, exportRowsPerSecond: 100_000, exportRssMiB: 250}

const started = Date.now()
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0)}s`
const log = (line: string): void => void process.stderr.write(`[bench ${elapsed()}] ${line}\n`)
const tmpDirs: string[] = []
const cleanups: Array<() => Promise<void>> = []
const verdicts: Array<{ok: boolean; line: string}> = []

function verdict(ok: boolean, line: string): void {
  verdicts.push({ok, line})
}
const warnings: string[] = []
function warn(line: string): void {
  warnings.push(line)
}

// ---- formatting ------------------------------------------------------------

const f0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–')
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–')
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–')
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

// ---- setup -----------------------------------------------------------------

interface Target {
  name: string
  server: Server
  /** For crashlog targets: where to count stored events after the run. */
  db?: {url: string; projectId: number}
  apiKey: string
  runs: Measured[]
  warmups: Measured[]
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tmpDirs.push(dir)
  return dir
}

const profDirs: string[] = []
function nodeFlags(name: string): string[] {
  if (!opts['cpu-prof']) return []
  const dir = mkdtempSync(join(tmpdir(), `crashlog-prof-${name}-`))
  profDirs.push(dir)
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`]
}

async function crashlogTarget(name: string, dbUrl: string, serveArgs: string[] = []): Promise<Target> {
  const {projectId, apiKey} = await createProject(dbUrl, RATE_LIMIT)
  const server = await startServe(dbUrl, serveArgs, nodeFlags(name))
  cleanups.push(() => server.stop())
  return {name, server, apiKey, db: {url: dbUrl, projectId}, runs: [], warmups: []}
}

function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command)
  }
  return null
}

/** A MongoDB-compatible server, or null with the reason. Never builds anything. */
async function findMongo(): Promise<{uri: string; description: string; server?: MongoTestServer} | {uri: null; why: string}> {
  const given = process.env.CRASHLOG_TEST_MONGO_URI?.trim()
  if (given) return {uri: given, description: 'CRASHLOG_TEST_MONGO_URI'}
  const tried: string[] = []
  const mongod = onPath('mongod')
  if (mongod) {
    try {
      const server = await startMongod(mongod)
      return {uri: server.uri, description: server.description, server}
    } catch (err) {
      tried.push((err as Error).message.split('\n')[0])
    }
  }
  const cached = join(ROOT, '.cache', 'ferretdb', 'ferretdb')
  for (const binary of [existsSync(cached) ? cached : null, onPath('ferretdb')]) {
    if (!binary) continue
    try {
      const server = await startFerretDb(binary)
      return {uri: server.uri, description: server.description, server}
    } catch (err) {
      tried.push((err as Error).message.split('\n')[0])
    }
  }
  return {uri: null, why: tried.length ? tried.join('; ') : 'no CRASHLOG_TEST_MONGO_URI, no mongod on PATH, no FerretDB at .cache/ferretdb/ferretdb or on PATH'}
}

/** base mongodb://host:port/?opts + a database name. */
function withDatabase(uri: string, name: string): string {
  const q = uri.indexOf('?')
  const base = q < 0 ? uri : uri.slice(0, q)
  const query = q < 0 ? '' : uri.slice(q)
  const m = /^(mongodb(?:\+srv)?:\/\/[^/]+)\/?/.exec(base)
  if (!m) throw new Error(`cannot read the MongoDB URI ${uri.replace(/\/\/[^@/]*@/, '//…@')}`)
  return `${m[1]}/${name}${query}`
}

async function countStored(db: {url: string; projectId: number}): Promise<number> {
  const store = await openStore(db.url)
  try {
    return await store.countEvents(db.projectId)
  } finally {
    await store.close()
  }
}

function job(target: Target, seconds: number): LoadJob {
  return {url: target.server.url, apiKey: target.apiKey, connections: CONNECTIONS, duration: seconds, mode: 'single'}
}

function describeRun(m: Measured): string {
  const l = m.load
  const codes = Object.entries(l.statusCodes).map(([c, n]) => `${c}×${n}`).join(' ')
  return `${f0(l.rps)} req/s, p50 ${f1(l.p50)} ms, p99 ${f1(l.p99)} ms, server ${f2(m.serverCores)} cores (${f0(m.serverCpuPerRequestUs)} µs/req, ${f1(m.diskBytesPerRequest / 1024)} KiB disk + ${f1(m.writeCallsPerRequest)} write calls/req), loadgen ${f2(m.loadCores)} cores, other ${f2(m.otherCores)} cores, RSS ${f0(m.rssEnd)} MiB [${codes}${l.errors ? ` errors×${l.errors}` : ''}]`
}

// ---- phase 1: baseline vs crashlog -----------------------------------------

async function comparePhase(): Promise<void> {
  const targets: Target[] = []
  log('starting the bare baseline server')
  const bare = await startBare()
  cleanups.push(() => bare.stop())
  targets.push({name: 'bare node http (baseline)', server: bare, apiKey: 'none', runs: [], warmups: []})

  const dir = tempDir('crashlog-bench-')
  // Not a target: how far fsync'd group commit alone (no parsing, no database) gets on this disk.
  log('starting the bare server with fdatasync (the ceiling for durable 202s)')
  const durable = await startBare(join(dir, 'bodies.log'))
  cleanups.push(() => durable.stop())
  targets.push({name: 'bare http + fdatasync', server: durable, apiKey: 'none', runs: [], warmups: []})
  log('starting crashlog serve on SQLite')
  targets.push(await crashlogTarget('crashlog sqlite', `sqlite:${join(dir, 'crashlog.db')}`))

  let mongoNote = ''
  if (opts['no-mongo']) {
    mongoNote = 'MongoDB row skipped (--no-mongo)'
  } else {
    const mongo = await findMongo()
    if (mongo.uri === null) {
      mongoNote = `MongoDB row SKIPPED: ${mongo.why}`
    } else {
      const dbName = `crashlog_bench_${Date.now()}`
      const dbUrl = withDatabase(mongo.uri, dbName)
      if (mongo.server) cleanups.push(() => mongo.server!.stop())
      else {
        // A server we did not start: drop the database we made on it.
        cleanups.push(async () => {
          const client = new MongoClient(dbUrl)
          try {
            await client.db().dropDatabase()
          } finally {
            await client.close()
          }
        })
      }
      log(`starting crashlog serve on ${mongo.description}`)
      const name = mongo.description.startsWith('FerretDB') ? 'crashlog mongodb (FerretDB)' : 'crashlog mongodb'
      try {
        targets.push(await crashlogTarget(name, dbUrl))
        mongoNote = `MongoDB row: ${mongo.description}`
      } catch (err) {
        const message = (err as Error).message.trim().split('\n')
        mongoNote = `MongoDB row SKIPPED: ${message[0]} ${message.slice(1).join(' ').slice(0, 400)}`
      }
    }
  }
  log(mongoNote)

  for (const t of targets) {
    log(`warm-up ${t.name}: ${WARMUP} s`)
    const m = await runLoad(job(t, WARMUP), t.server.pid)
    t.warmups.push(m)
    log(`  ${describeRun(m)}`)
    await sleep(500)
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so no target always runs first (or right after the slowest).
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    for (const t of order) {
      const m = await runLoad(job(t, DURATION), t.server.pid)
      t.runs.push(m)
      log(`round ${round + 1}/${ROUNDS} ${t.name}: ${describeRun(m)}`)
      await sleep(1000)
    }
  }

  // Stop the servers (SIGTERM: graceful, queued events are written) and count what is stored.
  const counted = new Map<Target, {stored: number; accepted: number; unanswered: number}>()
  for (const t of targets) {
    await t.server.stop()
    if (!t.db) continue
    const all = [...t.warmups, ...t.runs]
    const accepted = all.reduce((s, m) => s + m.load.acceptedEvents, 0)
    const unanswered = all.reduce((s, m) => s + (m.load.sent - m.load.answered), 0)
    counted.set(t, {stored: await countStored(t.db), accepted, unanswered})
  }

  const base = median(targets[0].runs.map((m) => m.load.rps))
  const baseCpu = median(targets[0].runs.map((m) => m.serverCpuPerRequestUs))
  const rows = targets.map((t) => {
    const rps = median(t.runs.map((m) => m.load.rps))
    const c = counted.get(t)
    return [
      t.name,
      f0(rps),
      f0(Math.min(...t.runs.map((m) => m.load.rps))) + '–' + f0(Math.max(...t.runs.map((m) => m.load.rps))),
      f1(median(t.runs.map((m) => m.load.p50))),
      f1(median(t.runs.map((m) => m.load.p99))),
      f1(Math.max(...t.runs.map((m) => m.load.p99))),
      f2(rps / base),
      f2(baseCpu / median(t.runs.map((m) => m.serverCpuPerRequestUs))),
      f2(median(t.runs.map((m) => m.serverCores))),
      f0(median(t.runs.map((m) => m.serverCpuPerRequestUs))),
      f1(median(t.runs.map((m) => m.diskBytesPerRequest)) / 1024),
      f1(median(t.runs.map((m) => m.writeCallsPerRequest))),
      f2(median(t.runs.map((m) => m.loadCores))),
      f2(median(t.runs.map((m) => m.otherCores))),
      `${f0(t.warmups[0].rssEnd)} → ${f0(t.runs[t.runs.length - 1].rssEnd)} (max ${f0(Math.max(...t.runs.map((m) => m.rssMax)))})`,
      c ? `${f0(c.accepted)} / ${f0(c.stored)} (+${f0(c.unanswered)} unanswered)` : 'n/a',
      otherAnswers([...t.warmups, ...t.runs]) || '0',
    ]
  })
  const stats = corpusStats(buildCorpus().bodies)
  process.stdout.write(`
== ingest: POST /log-error, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s per target after ${WARMUP} s warm-up, rounds alternated ==
corpus: ${stats.count} bodies, mean ${f0(stats.meanBytes)} B, median ${f0(stats.p50Bytes)} B, p90 ${f0(stats.p90Bytes)} B, max ${f0(stats.maxBytes)} B, ${stats.over4k} ≥ 4 KiB, ${distinctFingerprints()} distinct fingerprints
machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadAtStart} at the start; ${mongoNote}
req/s and latency: median of the rounds (p99 worst: the worst round). × base CPU: the baseline's server CPU time per request / this server's (what × base would be if each server were limited by its own CPU alone: steadier than req/s on a busy machine). cores: CPU time / wall time of the server, the load generator, and everything else on the machine (other processes: should be ~0 on a quiet machine); srv µs/req: server CPU time per answered request; disk KiB/req and writes/req: bytes the server process sent to storage and its write system calls (files and sockets), per answered request, from /proc/<pid>/io. RSS in MiB: after warm-up → after the last round.
202s / stored: events answered 202 vs events in the database after the server stopped (warm-up included); requests cut off in flight when a timed run ends may be stored without their 202 being seen (at most "unanswered").

${table(['target', 'req/s', 'range', 'p50 ms', 'p99 ms', 'p99 worst', '× base', '× base CPU', 'srv cores', 'srv µs/req', 'disk KiB/req', 'writes/req', 'gen cores', 'other cores', 'RSS MiB', '202s / stored'], rows)}
`)
  const busy = Math.max(...targets.map((t) => median(t.runs.map((m) => m.otherCores))))
  if (busy > 0.25) {
    process.stdout.write(`\n!!! other processes kept ${f2(busy)} cores busy during the rounds (of ${cpus().length}): the figures are depressed and noisy; rerun on a quiet machine !!!\n`)
  }
  for (const t of targets) {
    // The bare servers store nothing to count.
    if (!t.db) continue
    const rps = median(t.runs.map((m) => m.load.rps))
    const p99 = median(t.runs.map((m) => m.load.p99))
    const c = counted.get(t)!
    const others = otherAnswers([...t.warmups, ...t.runs])
    const embedded = t.name === 'crashlog sqlite'
    const tag = embedded ? '' : ' (informational: the targets are for the embedded store)'
    const check = embedded ? verdict : (ok: boolean, line: string) => warnings.push(`(${ok ? 'would pass' : 'would miss'}) ${line}`)
    check(rps / base >= MIN_RATIO, `${t.name}: ingest ${f0(rps)} req/s = ${f2(rps / base)}× the bare baseline (${f0(base)} req/s); target ≥ ${MIN_RATIO}×${tag}`)
    check(p99 <= MAX_P99_MS, `${t.name}: p99 ${f1(p99)} ms at ${CONNECTIONS} connections; target ≤ ${MAX_P99_MS} ms${tag}`)
    const lost = Math.max(0, c.accepted - c.stored)
    const extra = c.stored - c.accepted
    verdict(lost === 0,
      `${t.name}: ${f0(c.accepted)} events answered 202, ${f0(c.stored)} stored: ${f0(lost)} lost` +
      `${extra > 0 ? ` (${f0(Math.min(extra, c.unanswered))} more stored: requests cut off in flight by the end of a timed run)` : ''}; target 0 lost`)
    if (extra > c.unanswered) {
      warn(`${t.name}: ${f0(extra - c.unanswered)} events stored beyond the 202s and the requests cut off in flight: requests answered with an error (${others}) were written anyway — a client that retries them makes duplicates`)
    } else if (others) {
      warn(`${t.name}: answers other than 202: ${others}`)
    }
  }
}

/** "503×12 socket-errors×3", or '' when every answer was a 202. */
function otherAnswers(runs: Measured[]): string {
  const counts = new Map<string, number>()
  for (const m of runs) {
    for (const [code, n] of Object.entries(m.load.statusCodes)) if (code !== '202') counts.set(code, (counts.get(code) ?? 0) + n)
    if (m.load.errors) counts.set('socket-errors', (counts.get('socket-errors') ?? 0) + m.load.errors)
  }
  return [...counts].map(([k, n]) => `${k}×${n}`).join(' ')
}

function distinctFingerprints(): number {
  const seen = new Set<string>()
  for (const o of buildCorpus().objects as Array<{type: string; message: string; stack?: string; fingerprint?: string[]}>) {
    seen.add(computeFingerprint({type: o.type, message: o.message, frames: parseStack(o.stack ?? ''), fingerprint: o.fingerprint?.join('\u241f')}))
  }
  return seen.size
}

// ---- phase 2: 1,000,000 events ---------------------------------------------

async function millionPhase(): Promise<void> {
  const BATCH = 100
  const dir = tempDir('crashlog-bench-1m-')
  const dbFile = join(dir, 'crashlog.db')
  log(`1M phase: fresh SQLite database ${dbFile}`)
  // Bigger bodies allowed so the fill can send arrays of 100 errors (up to ~1 MB each).
  const t = await crashlogTarget('crashlog sqlite (1M)', `sqlite:${dbFile}`, ['--body-limit', String(4 * 1024 * 1024), '--batch-limit', String(BATCH)])
  let accepted = 0
  let unanswered = 0
  const add = (m: Measured): void => {
    accepted += m.load.acceptedEvents
    unanswered += m.load.sent - m.load.answered
  }
  const fill = async (events: number): Promise<{seconds: number; rate: number; m: Measured}> => {
    const requests = Math.ceil(events / BATCH)
    const m = await runLoad({url: t.server.url, apiKey: t.apiKey, connections: 8, amount: requests, mode: 'batch', batchSize: BATCH}, t.server.pid)
    add(m)
    if (m.load.accepted !== requests) throw new Error(`fill: ${m.load.accepted} of ${requests} batch requests answered 202 (${JSON.stringify(m.load.statusCodes)}, ${m.load.errors} errors)`)
    return {seconds: m.load.seconds, rate: m.load.acceptedEvents / m.load.seconds, m}
  }
  // One warm-up and one timed round per point, so that "at ~10k" stays near 10k.
  const measure = async (label: string): Promise<{m: Measured; storedBefore: number; storedAfter: number}> => {
    const w = await runLoad(job(t, WARMUP), t.server.pid)
    add(w)
    await sleep(500)
    const storedBefore = accepted
    const m = await runLoad(job(t, DURATION), t.server.pid)
    add(m)
    log(`  at ${label}: ${describeRun(m)}`)
    await sleep(500)
    return {m, storedBefore, storedAfter: accepted}
  }

  await fill(10_000)
  log(`1M phase: ${f0(accepted)} stored; measuring (${WARMUP} s warm-up + ${DURATION} s)`)
  const low = await measure('~10k')

  const series: string[][] = []
  const CHUNK = 100_000
  const fillStarted = Date.now()
  const fillRss: number[] = []
  const fillRssMax: number[] = []
  while (accepted < FILL_EVENTS) {
    const n = Math.min(CHUNK, FILL_EVENTS - accepted)
    const r = await fill(n)
    fillRss.push(r.m.rssEnd)
    fillRssMax.push(r.m.rssMax)
    series.push([f0(accepted), f0(r.rate), f2(r.m.serverCores), f0(r.m.serverCpuPerRequestUs / BATCH), f2(r.m.otherCores), f0(r.m.rssEnd), f0(r.m.rssMax)])
    log(`fill: ${f0(accepted)} stored, ${f0(r.rate)} events/s, server ${f2(r.m.serverCores)} cores, RSS ${f0(r.m.rssEnd)} MiB (max ${f0(r.m.rssMax)})`)
  }
  const fillSeconds = (Date.now() - fillStarted) / 1000
  log(`1M phase: ${f0(accepted)} stored; measuring again`)
  const high = await measure(`~${f0(accepted)}`)
  const rssFinal = rssMiB(t.server.pid)
  await t.server.stop()
  const stored = await countStored(t.db!)
  const dbBytes = ['', '-wal'].reduce((s, suffix) => s + (existsSync(dbFile + suffix) ? statSync(dbFile + suffix).size : 0), 0)

  const ratio = high.m.load.rps / low.m.load.rps
  const rssGrowth = high.m.rssEnd / low.m.rssEnd - 1
  const fillRssFirst = fillRss[0]
  const fillRssLast = fillRss[fillRss.length - 1]
  const fillGrowth = fillRssLast / fillRssFirst - 1
  process.stdout.write(`
== 1M: one SQLite database filled through HTTP (POST /log-error, arrays of ${BATCH} corpus errors, 8 connections), measured with the load above at ~10k and at ~1M stored ==
filling to ${f0(FILL_EVENTS)} took ${f0(fillSeconds)} s; database ${f1(dbBytes / 1024 / 1024)} MiB on disk

${table(['stored (start → end of round)', 'req/s', 'p50 ms', 'p99 ms', 'srv cores', 'srv µs/req', 'other cores', 'RSS MiB (end / max)'], [
    [`${f0(low.storedBefore)} → ${f0(low.storedAfter)}`, f0(low.m.load.rps), f1(low.m.load.p50), f1(low.m.load.p99), f2(low.m.serverCores), f0(low.m.serverCpuPerRequestUs), f2(low.m.otherCores), `${f0(low.m.rssEnd)} / ${f0(low.m.rssMax)}`],
    [`${f0(high.storedBefore)} → ${f0(high.storedAfter)}`, f0(high.m.load.rps), f1(high.m.load.p50), f1(high.m.load.p99), f2(high.m.serverCores), f0(high.m.serverCpuPerRequestUs), f2(high.m.otherCores), `${f0(high.m.rssEnd)} / ${f0(high.m.rssMax)}`],
  ])}

fill, RSS sampled every 100k events:
${table(['stored', 'fill events/s', 'srv cores', 'srv µs/event', 'other cores', 'RSS MiB', 'max RSS MiB'], series)}

final RSS ${f0(rssFinal)} MiB; ${f0(accepted)} events answered 202, ${f0(stored)} stored
`)
  verdict(ratio >= MIN_RATE_KEPT, `1M: ingest at ${f0(high.storedBefore)} stored ${f0(high.m.load.rps)} req/s = ${f2(ratio)}× the rate at ${f0(low.storedBefore)} stored (${f0(low.m.load.rps)} req/s); server CPU per request ${f0(low.m.serverCpuPerRequestUs)} → ${f0(high.m.serverCpuPerRequestUs)} µs; target ≥ ${MIN_RATE_KEPT}×`)
  verdict(fillGrowth <= MAX_RSS_GROWTH,
    `1M: server RSS while the events accumulated ${f0(fillRssFirst)} MiB at ${series[0]?.[0]} → ${f0(fillRssLast)} MiB at ${series[series.length - 1]?.[0]} stored (${fillGrowth >= 0 ? '+' : ''}${f0(fillGrowth * 100)} %, max ${f0(Math.max(...fillRssMax))} MiB); target flat (≤ +${MAX_RSS_GROWTH * 100} %)`)
  warnings.push(`(RSS under the single-error load: ${f0(low.m.rssEnd)} MiB at ~10k, before any 100-error body → ${f0(high.m.rssEnd)} MiB at ~1M (${rssGrowth >= 0 ? '+' : ''}${f0(rssGrowth * 100)} %); the step comes from the fill's large bodies, see the series)`)
  const lost = Math.max(0, accepted - stored)
  verdict(lost === 0 && stored - accepted <= unanswered, `1M: ${f0(accepted)} events answered 202, ${f0(stored)} stored: ${lost} lost; target 0 lost`)
}

// ---- main ------------------------------------------------------------------

const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ')

// ---- phase 3: reading --------------------------------------------------------

async function queryPhase(): Promise<void> {
  const runs = Number(opts['query-runs'])
  const sqliteEvents = Number(opts['query-events'])
  const mongoEvents = Number(opts['query-mongo-events'])
  const reports: Array<{name: string; report: QueryReport}> = []
  log(`query phase: SQLite with ${f0(sqliteEvents)} events`)
  const file = opts['query-db'] ?? join(tempDir('crashlog-bench-queries-'), 'crashlog.db')
  reports.push({name: 'SQLite', report: await measureQueries({dbUrl: `sqlite:${file}`, events: sqliteEvents, runs, warmups: 2, batch: 1000, reuse: opts['query-db'] !== undefined, log})})
  if (!opts['no-mongo'] && mongoEvents > 0) {
    const mongo = await findMongo()
    if (mongo.uri === null) warn(`(MongoDB query part skipped: ${mongo.why})`)
    else {
      if (mongo.server) cleanups.push(() => mongo.server!.stop())
      log(`query phase: ${mongo.description} with ${f0(mongoEvents)} events (information only)`)
      try {
        const report = await measureQueries({dbUrl: withDatabase(mongo.uri, `crashlog_bench_q_${process.pid}`), events: mongoEvents, runs: Math.min(runs, 3), warmups: 1, batch: 1000, log})
        reports.push({name: mongo.description.startsWith('FerretDB') ? 'FerretDB' : 'MongoDB', report})
      } catch (err) {
        warn(`(MongoDB query part failed: ${(err as Error).message.split('\n')[0]})`)
      }
    }
  }

  const head = ['query (HTTP, one at a time)', ...reports.flatMap(({name, report}) => [`${name} ${f0(report.events)}: p50 ms`, 'p95 ms', 'rows'])]
  const line = (pick: (r: QueryReport) => {label: string; p50: number; p95: number; rows: number}): string[] => [
    pick(reports[0]!.report).label,
    ...reports.flatMap(({report}) => {
      const t = pick(report)
      return [f1(t.p50), f1(t.p95), f0(t.rows)]
    }),
  ]
  const keys: QueryKey[] = ['first', 'deep', 'filtered', 'textCommon', 'textRare', 'textNone', 'stats']
  const rows = [
    ...keys.map((k) => line((r) => r.timings[k])),
    ...reports[0]!.report.extra.map((_, i) => line((r) => r.extra[i]!)),
  ]
  process.stdout.write(`\n== Reading: ${reports.map(({name, report}) => `${name} seeded with ${f0(report.events)} events at ${f0(report.fillRate)} events/s`).join('; ')} ==\n`)
  process.stdout.write(`${table(head, rows)}\n`)
  for (const {name, report} of reports) {
    const e = report.export
    process.stdout.write(
      `${name} NDJSON export (fresh server, median of ${e.runsRowsPerSecond.length} runs: ${e.runsRowsPerSecond.map(f0).join(' / ')} rows/s in run order): ${f0(e.rows)} rows (${f0(e.bytes / 2 ** 20)} MiB) in ${f1(e.seconds)} s = ${f0(e.rowsPerSecond)} rows/s, server RSS ${f0(e.rssBeforeMiB)} → peak ${f0(e.peakRssMiB)} MiB (the query server was at ${f0(e.rssAfterQueriesMiB)} MiB after its queries); deep page / first page = ${f2(report.timings.deep.p50 / report.timings.first.p50)}\n`,
    )
  }

  const t = reports[0]!.report.timings
  const ex = reports[0]!.report.export
  const T = QUERY_TARGETS
  verdict(t.first.p50 < T.listMs, `SQLite first page p50 ${f1(t.first.p50)} ms (target < ${T.listMs} ms)`)
  verdict(t.filtered.p50 < T.listMs, `SQLite filtered page (type + tag) p50 ${f1(t.filtered.p50)} ms (target < ${T.listMs} ms)`)
  for (const k of ['textCommon', 'textRare', 'textNone'] as const) {
    verdict(t[k].p50 < T.textMs, `SQLite free text, ${t[k].label}: p50 ${f1(t[k].p50)} ms (target < ${T.textMs} ms)`)
  }
  verdict(t.deep.p50 <= T.deepRatio * t.first.p50, `SQLite deep page ${f1(t.deep.p50)} ms = ${f2(t.deep.p50 / t.first.p50)}× the first page (target ≤ ${T.deepRatio}×)`)
  verdict(t.stats.p50 < T.statsMs, `SQLite stats over 7 days p50 ${f1(t.stats.p50)} ms (target < ${T.statsMs} ms)`)
  verdict(ex.rowsPerSecond >= T.exportRowsPerSecond, `SQLite NDJSON export ${f0(ex.rowsPerSecond)} rows/s (target ≥ ${f0(T.exportRowsPerSecond)})`)
  verdict(ex.peakRssMiB < T.exportRssMiB, `SQLite export peak RSS ${f0(ex.peakRssMiB)} MiB (target < ${T.exportRssMiB} MiB)`)
  if (ex.rows !== reports[0]!.report.events) verdict(false, `SQLite export wrote ${f0(ex.rows)} rows for ${f0(reports[0]!.report.events)} events`)
}

async function main(): Promise<void> {
  log(`crashlog ingest benchmark (${opts.million || opts['million-only'] ? 'with' : 'without'} the 1M phase; --help for options)`)
  try {
    if (!opts['million-only'] && !opts['queries-only']) await comparePhase()
    if (opts.million || opts['million-only']) await millionPhase()
    else if (!opts['queries-only']) process.stdout.write('\n(1M phase not run: npm run bench -- --million, or BENCH_MILLION=1)\n')
    if (!opts['no-queries'] && !opts['million-only']) await queryPhase()
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`))
    for (const d of tmpDirs) rmSync(d, {recursive: true, force: true})
  }
  process.stdout.write('\n')
  for (const v of verdicts) process.stdout.write(`${v.ok ? 'PASS' : '**** FAIL ****'}  ${v.line}\n`)
  for (const w of warnings) process.stdout.write(`${w.startsWith('(') ? 'INFO' : 'WARN'}  ${w}\n`)
  const failed = verdicts.filter((v) => !v.ok).length
  process.stdout.write(failed ? `\n!!! ${failed} TARGET${failed > 1 ? 'S' : ''} MISSED (a benchmark: exit code stays 0) !!!\n` : '\nall targets met\n')
  if (profDirs.length) process.stdout.write(`CPU profiles (open in Chrome DevTools): ${profDirs.join(' ')}\n`)
  process.stdout.write(`total time ${elapsed()}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})

// The query part of `npm run bench`: one project seeded with many events through the
// store's batch path, then the reading API timed over HTTP against `crashlog serve`
// (one request at a time, keep-alive, the JSON body read in full).

import {Agent, request} from 'node:http'
import {performance} from 'node:perf_hooks'
import {openStore} from '../src/store/open.js'
import {BENCH_USER, createProject, rssMiB, startServe, type Server} from './proc.js'
import {DAY, END, fillMongoDirect, fillProject} from './query-data.js'

export interface QueryTiming {
  label: string
  /** Wall time per request, ms. */
  p50: number
  p95: number
  /** Rows in the answer (errors or buckets) of the first measured run. */
  rows: number
}

export interface QueryReport {
  events: number
  fillRate: number
  timings: Record<QueryKey, QueryTiming>
  /** Extra lines worth printing (no target). */
  extra: QueryTiming[]
  deepRows: number
  export: {
    rows: number
    seconds: number
    rowsPerSecond: number
    /** The export's server, before and at its peak. */
    rssBeforeMiB: number
    peakRssMiB: number
    bytes: number
    /** The query server's RSS after all the other queries, for comparison. */
    rssAfterQueriesMiB: number
    /** Rows/s of every export run, in run order (the fields above are the median run's, the peak the highest). */
    runsRowsPerSecond: number[]
  }
}

/** One timed export, from its own server. */
type ExportRun = Omit<QueryReport['export'], 'rssAfterQueriesMiB' | 'runsRowsPerSecond'>

/**
 * Exports timed, each from a fresh server. More than one: the first reads a database
 * the OS has partly dropped from its page cache while it sat idle (on the bench VM the
 * kernel pages out idle memory: DAMON `pageout`), so it measures the disk, at a
 * quarter to a half of the rate of the next runs (60–70k vs 216–240k rows/s at 1M).
 */
const EXPORT_RUNS = 3

export type QueryKey = 'first' | 'deep' | 'filtered' | 'textCommon' | 'textRare' | 'textNone' | 'stats'

export interface QueryBenchOptions {
  dbUrl: string
  events: number
  /** Measured requests per query, after `warmups` unmeasured ones. */
  runs: number
  warmups: number
  /** Events per insertEvents call while seeding. */
  batch: number
  /** The database already holds the seeded project (see --query-db): skip seeding. */
  reuse?: boolean
  log: (line: string) => void
}

const agent = new Agent({keepAlive: true, maxSockets: 1})

interface Answer {
  status: number
  body: Buffer
}

function get(base: string, path: string, token: string, onChunk?: (chunk: Buffer) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {agent, headers: {authorization: `Bearer ${token}`}}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => (onChunk ? onChunk(chunk) : chunks.push(chunk)))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks)}))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

function login(base: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({email: BENCH_USER.email, password: BENCH_USER.password})
    const req = request(`${base}/login`, {method: 'POST', agent, headers: {'content-type': 'application/json'}}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        if (res.statusCode !== 200) return reject(new Error(`login answered ${res.statusCode}: ${text}`))
        resolve((JSON.parse(text) as {token: string}).token)
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number

/** Seeds a fresh database, starts `crashlog serve` on it and times the reading API. */
export async function measureQueries(options: QueryBenchOptions): Promise<QueryReport> {
  const {dbUrl, runs, warmups, log} = options
  let {events} = options
  let projectId: number
  let fillRate = Number.NaN
  const store = await openStore(dbUrl)
  try {
    const existing = options.reuse ? (await store.listProjects())[0] : undefined
    if (existing !== undefined) {
      projectId = existing.id
      events = await store.countEvents(projectId)
      log(`reusing ${dbUrl}: ${events.toLocaleString('en-US')} events (timestamps from when it was seeded)`)
    } else {
      projectId = (await createProject(dbUrl)).projectId
      if (store.engine === 'mongodb') {
        log(`seeding ${events.toLocaleString('en-US')} events with plain inserts (see fillMongoDirect)…`)
        fillRate = await fillMongoDirect(dbUrl, projectId, events)
      } else {
        log(`seeding ${events.toLocaleString('en-US')} events through the store's batch path…`)
        fillRate = await fillProject(store, projectId, events, options.batch, log)
      }
      log(`seeded at ${Math.round(fillRate).toLocaleString('en-US')} events/s`)
    }
  } finally {
    await store.close()
  }
  log('starting crashlog serve')

  const server: Server = await startServe(dbUrl)
  try {
    const base = server.url
    const token = await login(base)
    const errors = `/projects/${projectId}/errors`

    const time = async (label: string, path: string): Promise<QueryTiming> => {
      const samples: number[] = []
      let rows = 0
      for (let i = 0; i < runs + warmups; i++) {
        const started = performance.now()
        const answer = await get(base, path, token)
        const ms = performance.now() - started
        if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`)
        if (i < warmups) continue
        samples.push(ms)
        if (i === warmups) {
          const json = JSON.parse(answer.body.toString()) as {errors?: unknown[]; buckets?: unknown[]; issues?: unknown[]}
          rows = (json.errors ?? json.buckets ?? json.issues ?? []).length
        }
      }
      samples.sort((a, b) => a - b)
      const timing = {label, p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), rows}
      log(`  ${label}: p50 ${timing.p50.toFixed(1)} ms, p95 ${timing.p95.toFixed(1)} ms, ${rows} rows`)
      return timing
    }
    const q = (query: string): string => `q=${encodeURIComponent(query)}`

    const first = await time('first page (limit 50)', `${errors}?limit=50`)

    // A page deep in the cursor chain: halfway through the project, reached by
    // following nextCursor (pages of 200), then timed at limit 50 like page 1.
    const target = Math.floor(events / 2)
    let cursor: string | null = null
    let deepRows = 0
    const walkStarted = performance.now()
    while (deepRows < target) {
      const answer = await get(base, `${errors}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token)
      const page = JSON.parse(answer.body.toString()) as {errors: unknown[]; nextCursor: string | null}
      deepRows += page.errors.length
      cursor = page.nextCursor
      if (cursor === null) break
    }
    const walkSeconds = (performance.now() - walkStarted) / 1000
    log(`  walked ${deepRows.toLocaleString('en-US')} rows by cursor in ${walkSeconds.toFixed(1)} s (${Math.round(deepRows / walkSeconds).toLocaleString('en-US')} rows/s)`)
    if (cursor === null) throw new Error(`the cursor chain ended after ${deepRows} rows, before ${target}`)
    const deep = await time(`page after ${deepRows.toLocaleString('en-US')} rows (cursor)`, `${errors}?limit=50&cursor=${encodeURIComponent(cursor)}`)

    const filtered = await time('type:TypeError checkout:"step 3"', `${errors}?limit=50&${q('type:TypeError checkout:"step 3"')}`)
    // Free text: a word in ~1 of 8 messages, one in a single issue's, one nowhere.
    const textCommon = await time('text "undefined" (common)', `${errors}?limit=50&${q('undefined')}`)
    const textRare = await time('text "Widget1234" (one rare issue)', `${errors}?limit=50&${q('Widget1234')}`)
    const textNone = await time('text "nosuchword" (no match)', `${errors}?limit=50&${q('nosuchword')}`)
    const from = new Date(END - 7 * DAY).toISOString()
    const to = new Date(END).toISOString()
    const stats = await time('stats 7 days, hourly', `/projects/${projectId}/stats?interval=hour&from=${from}&to=${to}`)
    const extra = [
      await time('text "payment timeout" (two words)', `${errors}?limit=50&${q('payment timeout')}`),
      await time('stats 7 days, hourly, type:TypeError', `/projects/${projectId}/stats?interval=hour&from=${from}&to=${to}&${q('type:TypeError')}`),
      await time('issues, by count', `/projects/${projectId}/issues?sort=count&limit=50`),
    ]

    const rssAfterQueries = rssMiB(server.pid)
    await server.stop()
    const exports: ExportRun[] = []
    for (let run = 0; run < EXPORT_RUNS; run++) exports.push(await exportAll(dbUrl, projectId, log))
    const byRate = [...exports].sort((a, b) => a.rowsPerSecond - b.rowsPerSecond)
    const exported = {
      ...byRate[Math.floor(byRate.length / 2)]!,
      peakRssMiB: Math.max(...exports.map((e) => e.peakRssMiB)),
      rssAfterQueriesMiB: rssAfterQueries,
      runsRowsPerSecond: exports.map((e) => e.rowsPerSecond),
    }

    return {
      events,
      fillRate,
      timings: {first, deep, filtered, textCommon, textRare, textNone, stats},
      extra,
      deepRows,
      export: exported,
    }
  } finally {
    await server.stop()
  }
}

/**
 * The whole project as NDJSON from a freshly started server, its RSS sampled while
 * it streams: the peak is the export's, not what earlier queries left on the heap.
 */
async function exportAll(dbUrl: string, projectId: number, log: (line: string) => void): Promise<ExportRun> {
  const server = await startServe(dbUrl)
  try {
    const token = await login(server.url)
    log('  exporting everything as NDJSON (a fresh server)…')
    const rssBefore = rssMiB(server.pid)
    let peakRss = rssBefore
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(server.pid))), 25)
    let bytes = 0
    let newlines = 0
    const started = performance.now()
    try {
      const answer = await get(server.url, `/projects/${projectId}/errors/export?format=ndjson`, token, (chunk) => {
        bytes += chunk.length
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++
      })
      if (answer.status !== 200) throw new Error(`export answered ${answer.status}`)
    } finally {
      clearInterval(sampler)
    }
    const seconds = (performance.now() - started) / 1000
    peakRss = Math.max(peakRss, rssMiB(server.pid))
    log(`  export: ${newlines.toLocaleString('en-US')} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(1)} s, RSS ${rssBefore.toFixed(0)} → peak ${peakRss.toFixed(0)} MiB`)
    return {rows: newlines, seconds, rowsPerSecond: newlines / seconds, rssBeforeMiB: rssBefore, peakRssMiB: peakRss, bytes}
  } finally {
    await server.stop()
  }
}

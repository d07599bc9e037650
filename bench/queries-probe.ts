// Times the store's filtered queries (queryEvents, queryIssues, countEventsByBucket)
// on a large synthetic project, directly against a store (no HTTP).
//
//   npx tsc -p tsconfig.json
//   node dist/bench/queries-probe.js sqlite:/tmp/probe/crashlog.db 1000000
//   node dist/bench/queries-probe.js mongodb://127.0.0.1:27017/probe 100000
//
// The first run fills the database (store.insertEvents, batches of 1000) and reports
// the insert rate; later runs on the same database only query. Data: ~2000
// fingerprints with Zipf-like popularity, 50 types, ~100-character messages, tags
// browser / release / checkout, environment, browser, os, user, url, 30 days of
// timestamps. Every query runs 25 times after 3 warm-ups (PROBE_RUNS changes it);
// printed: wall p50 / p95, CPU p50, and the longest event-loop stall ("loop max").

import {monitorEventLoopDelay, performance} from 'node:perf_hooks'
import {MongoClient} from 'mongodb'
import {issueDeltas} from '../src/store/grouping.js'
import {encodeValue} from '../src/store/mongo/field-codec.js'
import {mongoDatabaseName} from '../src/store/mongo/mongo-store.js'
import {openStore} from '../src/store/open.js'
import type {EventFilter, EventPageRequest, IssueFilter} from '../src/store/query-types.js'
import type {ErrorEvent, Level, Store} from '../src/store/types.js'

const url = process.argv[2] ?? 'sqlite:/tmp/crashlog-queries-probe/crashlog.db'
const total = Number(process.argv[3] ?? 1_000_000)
// PROBE_RUNS=3 for slow servers (FerretDB reads a whole collection per query).
const RUNS = Number(process.env.PROBE_RUNS ?? 25)
const WARMUP = Math.min(3, RUNS)
// PROBE_BATCH: events per insertEvents call while filling (FerretDB needs smaller ones
// to stay within the store's 1.25 s write deadline).
const BATCH = Number(process.env.PROBE_BATCH ?? 1000)

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const r = rng(42)
const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T
const hex = (n: number): string => Array.from({length: n}, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('')

const TYPES = [
  'TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'Error', 'AxiosError', 'ChunkLoadError', 'PaymentError',
  'ValidationError', 'MongoServerError', 'UnhandledRejection', 'SequelizeConnectionError', 'QuotaExceededError',
  'NetworkError', 'TimeoutError', 'AbortError', 'DOMException', 'SecurityError', 'NotFoundError', 'InvalidStateError',
  ...Array.from({length: 30}, (_, i) => `${['Checkout', 'Cart', 'Search', 'Account', 'Inventory', 'Shipping'][i % 6]}Error${i}`),
]
const TEMPLATES: ((f: number) => string)[] = [
  (f) => `Cannot read properties of undefined (reading 'price') in CartLine${f}.render while updating the basket totals`,
  (f) => `Request failed with status code 503 from inventory service for sku ${f}-${hex(6)}, retried 3 times`,
  (f) => `Payment provider timeout after ${1000 + Math.floor(r() * 29000)} ms for order ${hex(12)} in Widget${f}`,
  (f) => `undefined is not an object (evaluating 'e.items.length') in SearchResults${f} after filter change`,
  (f) => `Loading chunk ${f} failed. (error: https://shop.example.com/static/js/${f}.${hex(6)}.js)`,
  (f) => `E11000 duplicate key error collection: shop.orders index: ref_${f} dup key: { ref: "${hex(10)}" }`,
  (f) => `connect ECONNREFUSED 10.0.${f % 10}.${f % 250}:6379 while reading session cache for handler${f}`,
  (f) => `"quantity" must be less than or equal to ${f % 90 + 10} in validateLine${f} for cart update`,
]
const BROWSERS = ['Chrome', 'Chrome', 'Chrome', 'Safari', 'Safari', 'Firefox', 'Edge']
const OSES = ['Windows', 'Android', 'iOS', 'macOS', 'Linux']
const RELEASES = Array.from({length: 20}, (_, i) => `shop@4.${i}.0`)
const PAGES = ['/cart', '/checkout/payment', '/search?q=running+shoes', '/account/orders', '/product/trail-runner-3', '/']

const FINGERPRINTS = 2000
// Zipf-like popularity (s = 0.8): a few loud issues, a long tail.
const weights = Array.from({length: FINGERPRINTS}, (_, i) => 1 / Math.pow(i + 1, 0.8))
const cumulative: number[] = []
weights.reduce((sum, w, i) => (cumulative[i] = sum + w), 0)
const weightTotal = cumulative[FINGERPRINTS - 1] as number
function fingerprintIndex(): number {
  const x = r() * weightTotal
  let lo = 0
  let hi = FINGERPRINTS - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((cumulative[mid] as number) < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

const DAY = 86_400_000
const END = Date.UTC(2025, 0, 31)
const START = END - 30 * DAY

function makeEvent(projectId: number, i: number): ErrorEvent {
  const f = fingerprintIndex()
  const type = TYPES[(f * 7) % TYPES.length] as string
  const message = (TEMPLATES[f % TEMPLATES.length] as (f: number) => string)(f)
  const timestamp = new Date(START + Math.floor(((i + r()) / total) * 30 * DAY))
  const browser = pick(BROWSERS)
  const release = RELEASES[Math.min(19, Math.floor((i / total) * 20 + r() * 2))] as string
  const frames = Array.from({length: 5}, (_, k) => ({
    function: `fn${f}_${k}`,
    file: `https://shop.example.com/static/js/chunk-${f % 50}.${hex(6)}.js`,
    line: 1 + Math.floor(r() * 4000),
    column: 1 + Math.floor(r() * 200),
    inApp: k < 3,
  }))
  const level: Level = r() < 0.9 ? 'error' : r() < 0.5 ? 'fatal' : 'warning'
  return {
    id: hex(32),
    projectId,
    issueId: `iss-${projectId}-${f}`,
    fingerprint: `fp${f}`,
    receivedAt: new Date(timestamp.getTime() + Math.floor(r() * 2000)),
    timestamp,
    level,
    type,
    message,
    stack: `${type}: ${message}\n${frames.map((fr) => `    at ${fr.function} (${fr.file}:${fr.line}:${fr.column})`).join('\n')}`,
    frames,
    tags: {browser, release, checkout: `step ${1 + Math.floor(r() * 8)}`},
    environment: r() < 0.9 ? 'production' : 'staging',
    release,
    platform: 'javascript',
    url: `https://shop.example.com${pick(PAGES)}`,
    browser: {name: browser, version: `${100 + Math.floor(r() * 30)}.0`},
    os: {name: pick(OSES)},
    user: {id: `u-${Math.floor(r() * 50_000)}`, email: `user${Math.floor(r() * 50_000)}@example.com`},
    sdk: {name: 'crashlog.js', version: '0.1.0'},
  }
}

async function fill(store: Store, projectId: number): Promise<void> {
  const started = performance.now()
  let lastReport = started
  for (let i = 0; i < total; i += BATCH) {
    const batch = Array.from({length: Math.min(BATCH, total - i)}, (_, k) => makeEvent(projectId, i + k))
    await store.insertEvents(batch)
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now()
      console.log(`  ${i + batch.length} events, ${Math.round((i + batch.length) / ((lastReport - started) / 1000))}/s`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  console.log(`filled ${total} events in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} events/s, batches of ${BATCH})`)
}

/**
 * MongoDB: writes the same documents insertEvents would, with the driver directly.
 * On FerretDB 1.24, insertEvents batches (events + issue upserts) take longer than
 * the store's write deadline under load; this probe measures reads, not writes.
 */
async function fillMongoDirect(projectId: number): Promise<void> {
  const client = new MongoClient(url)
  const started = performance.now()
  try {
    const db = client.db(mongoDatabaseName(url))
    const all: ErrorEvent[] = []
    for (let i = 0; i < total; i += 1000) {
      const batch = Array.from({length: Math.min(1000, total - i)}, (_, k) => makeEvent(projectId, i + k))
      all.push(...batch)
      await db.collection('errors').insertMany(batch.map(({id, ...rest}) => ({_id: id, ...(encodeValue(rest) as object)})) as never[])
    }
    const issues = issueDeltas(all).map((d) => ({
      _id: d.issueId, projectId: d.projectId, fingerprint: d.fingerprint, type: d.type, message: d.message,
      level: d.level, status: 'unresolved', count: d.count, firstSeen: d.firstSeen, lastSeen: d.lastSeen,
    }))
    await db.collection('issues').insertMany(issues as never[])
  } finally {
    await client.close()
  }
  const seconds = (performance.now() - started) / 1000
  console.log(`filled ${total} events directly in ${seconds.toFixed(1)} s`)
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

async function time(label: string, fn: () => Promise<unknown>, runs_ = RUNS): Promise<number> {
  const runs = Math.min(runs_, RUNS)
  for (let i = 0; i < Math.min(WARMUP, runs); i++) await fn()
  const samples: number[] = []
  const cpu: number[] = []
  let size = 0
  // The longest the event loop stood still (a synchronous SQLite step blocks everything else).
  const loop = monitorEventLoopDelay({resolution: 1})
  loop.enable()
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const result = await fn()
    samples.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
    size = Array.isArray(result) ? result.length : size
  }
  loop.disable()
  samples.sort((a, b) => a - b)
  cpu.sort((a, b) => a - b)
  const p50 = percentile(samples, 0.5)
  const f = (n: number): string => n.toFixed(2).padStart(8)
  const blocked = loop.max / 1e6
  console.log(
    `${label.padEnd(56)} p50 ${f(p50)} ms  p95 ${f(percentile(samples, 0.95))} ms  cpu p50 ${f(percentile(cpu, 0.5))} ms  loop max ${f(blocked)} ms  rows ${size}`,
  )
  return p50
}

async function main(): Promise<void> {
  const store = await openStore(url)
  try {
    let project = (await store.listProjects())[0]
    if (project === undefined) {
      const owner = await store.createUser({name: 'probe', email: 'probe@example.com', passwordHash: 'x', role: 'admin'})
      project = await store.createProject({ownerId: owner.id, name: 'probe', description: '', slug: 'probe', keyHash: hex(64), keyPrefix: 'probe'})
      console.log(`filling ${url} with ${total} events…`)
      if (store.engine === 'mongodb' && process.env.PROBE_MONGO_DIRECT === '1') await fillMongoDirect(project.id)
      else await fill(store, project.id)
    }
    const projectId = project.id
    console.log(`${await store.countEvents(projectId)} events in project ${projectId} (${url.replace(/:[^:@/]*@/, ':***@')})`)

    const desc: EventPageRequest = {limit: 50, order: 'desc'}
    const page = (filter: Omit<EventFilter, 'projectId'>, req: EventPageRequest = desc) =>
      () => store.queryEvents({projectId, ...filter}, req)

    console.log('\n-- event list (limit 50) --')
    await time('first page, no filter', page({}))
    await time('first page, ascending', page({}, {limit: 50, order: 'asc'}))
    await time('type: TypeError', page({type: ['TypeError']}))
    await time('type: TypeError + tag browser=Firefox', page({type: ['TypeError'], tags: [{key: 'browser', value: 'Firefox'}]}))
    await time("type: TypeError + tag checkout='step 3'", page({type: ['TypeError'], tags: [{key: 'checkout', value: 'step 3'}]}))
    await time('type: CartError18 (rare) + tag browser=Firefox', page({type: ['CartError18'], tags: [{key: 'browser', value: 'Firefox'}]}))
    await time('two types + tag browser=Safari', page({type: ['TypeError', 'RangeError'], tags: [{key: 'browser', value: 'Safari'}]}))
    await time('tag browser=Edge', page({tags: [{key: 'browser', value: 'Edge'}]}))
    await time('tag release=shop@4.3.0 (old)', page({tags: [{key: 'release', value: 'shop@4.3.0'}]}))
    await time('two tags', page({tags: [{key: 'browser', value: 'Edge'}, {key: 'checkout', value: 'step 5'}]}))
    await time('environment=staging + level=fatal', page({environment: ['staging'], level: ['fatal']}))
    await time('issue (one fingerprint)', page({issueId: [`iss-${projectId}-7`]}))
    await time('user u-123 (not indexed: scans)', page({user: ['u-123']}), 5)
    await time('browser=Firefox os=Linux', page({browser: ['Firefox'], os: ['Linux']}))
    await time('url contains checkout', page({url: ['checkout']}))
    await time('from/to: one day, 10 days ago', page({from: new Date(END - 11 * DAY), to: new Date(END - 10 * DAY)}))

    console.log('\n-- free text --')
    await time("text 'undefined' (common)", page({text: ['undefined']}))
    await time("text 'payment timeout' (two words)", page({text: ['payment', 'timeout']}))
    await time("text 'Widget1234' (one rare issue)", page({text: ['Widget1234']}), 5)
    await time("text 'Widget42' (one mid issue)", page({text: ['Widget42']}), 5)
    await time("text 'nosuchword' (no match)", page({text: ['nosuchword']}), 5)
    await time("text 'undefined' + type TypeError", page({text: ['undefined'], type: ['TypeError']}))

    console.log('\n-- deep pages --')
    const walk = async (filter: Omit<EventFilter, 'projectId'>, pages: number): Promise<EventPageRequest> => {
      let req: EventPageRequest = {...desc}
      for (let i = 1; i < pages; i++) {
        const rows = await store.queryEvents({projectId, ...filter}, req)
        const last = rows[rows.length - 1]
        if (last === undefined) break
        req = {...desc, after: {timestamp: last.timestamp, id: last.id}}
      }
      return req
    }
    for (const [label, filter] of [
      ['no filter', {}],
      ['type + tag', {type: ['TypeError'], tags: [{key: 'browser', value: 'Firefox'}]}],
      ['text undefined', {text: ['undefined']}],
    ] as [string, Omit<EventFilter, 'projectId'>][]) {
      const p1 = await time(`${label}: page 1`, page(filter))
      const deep = await walk(filter, 200)
      const p200 = await time(`${label}: page 200 (cursor)`, page(filter, deep))
      console.log(`${''.padEnd(58)} page 200 / page 1 = ${(p200 / p1).toFixed(2)}`)
    }
    const middle = await store.queryEvents({projectId, to: new Date(START + 15 * DAY)}, {limit: 1, order: 'desc'})
    if (middle[0]) {
      const after = {timestamp: middle[0].timestamp, id: middle[0].id}
      await time('no filter: page at half the project (~500k deep)', page({}, {...desc, after}))
      await time('type + tag: page at half the project', page({type: ['TypeError'], tags: [{key: 'browser', value: 'Firefox'}]}, {...desc, after}))
    }

    console.log('\n-- stats over 7 days --')
    const from = new Date(END - 7 * DAY)
    const to = new Date(END)
    await time('countEventsByMinute (counters, no filter)', () => store.countEventsByMinute(projectId, from, to))
    const buckets = (filter: Omit<EventFilter, 'projectId'>, bucketMs = 3_600_000) =>
      () => store.countEventsByBucket({projectId, ...filter}, bucketMs, from, to)
    await time('countEventsByBucket 1 h, no filter', buckets({}), 5)
    await time('countEventsByBucket 1 h, type TypeError', buckets({type: ['TypeError']}))
    await time('countEventsByBucket 1 h, type CartError18 (rare)', buckets({type: ['CartError18']}))
    await time('countEventsByBucket 1 h, tag browser=Edge', buckets({tags: [{key: 'browser', value: 'Edge'}]}))
    await time('countEventsByBucket 1 h, type + tag', buckets({type: ['TypeError'], tags: [{key: 'browser', value: 'Firefox'}]}))
    await time('countEventsByBucket 1 h, issue', buckets({issueId: [`iss-${projectId}-7`]}))
    await time("countEventsByBucket 1 h, text 'Widget42'", buckets({text: ['Widget42']}), 5)

    console.log('\n-- issues (limit 50) --')
    const issues = (filter: Omit<IssueFilter, 'projectId'>, sort: 'lastSeen' | 'firstSeen' | 'count' = 'lastSeen') =>
      () => store.queryIssues({projectId, ...filter}, {limit: 50, sort})
    await time('issues by lastSeen', issues({}))
    await time('issues by firstSeen', issues({}, 'firstSeen'))
    await time('issues by count', issues({}, 'count'))
    await time('issues unresolved, type TypeError, by count', issues({status: ['unresolved'], type: ['TypeError']}, 'count'))
    await time("issues text 'timeout'", issues({text: ['timeout']}))
  } finally {
    await store.close()
  }
}

await main()

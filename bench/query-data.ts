// A large synthetic project for the query benchmarks (bench/queries.ts over HTTP,
// bench/queries-probe.ts against a store): ~2000 fingerprints with Zipf-like
// popularity, 50 types, ~100-character messages, tags browser / release / checkout,
// environment, browser, os, user, url, 30 days of timestamps ending at END.
// Seeded: the same events every run (relative to END).

import {MongoClient} from 'mongodb'
import {issueDeltas, minuteDeltas} from '../src/store/grouping.js'
import {encodeValue} from '../src/store/mongo/field-codec.js'
import {mongoDatabaseName} from '../src/store/mongo/mongo-store.js'
import type {ErrorEvent, Level, Store} from '../src/store/types.js'

export const DAY = 86_400_000
// The last 30 days up to the current hour: within the server's retention (90 days
// by default), which would otherwise start deleting the project under the benchmark.
export const END = Math.floor(Date.now() / 3_600_000) * 3_600_000
export const START = END - 30 * DAY

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

/** Event i of `total` (timestamps spread over the 30 days in order), from one seeded sequence: call with i = 0, 1, 2, … */
export function queryEvent(projectId: number, i: number, total: number): ErrorEvent {
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

/** Fills a project through the store's batch path; returns events per second. */
export async function fillProject(store: Store, projectId: number, total: number, batch: number, progress: (line: string) => void): Promise<number> {
  const started = performance.now()
  let lastReport = started
  for (let i = 0; i < total; i += batch) {
    const events = Array.from({length: Math.min(batch, total - i)}, (_, k) => queryEvent(projectId, i + k, total))
    await store.insertEvents(events)
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now()
      progress(`  ${i + events.length} events, ${Math.round((i + events.length) / ((lastReport - started) / 1000))} events/s`)
    }
  }
  return total / ((performance.now() - started) / 1000)
}

/**
 * MongoDB: writes the documents insertEvents would (events, issues, minute
 * counters) with the driver directly, each collection in plain inserts. FerretDB
 * 1.24 takes tens of seconds for one insertEvents of 100 events with many distinct
 * issues (its upserts), so the query benchmark seeds it this way; it measures reads.
 */
export async function fillMongoDirect(url: string, projectId: number, total: number): Promise<number> {
  const client = new MongoClient(url)
  const started = performance.now()
  try {
    const db = client.db(mongoDatabaseName(url))
    const all: ErrorEvent[] = []
    for (let i = 0; i < total; i += 1000) {
      const batch = Array.from({length: Math.min(1000, total - i)}, (_, k) => queryEvent(projectId, i + k, total))
      all.push(...batch)
      await db.collection('errors').insertMany(batch.map(({id, ...rest}) => ({_id: id, ...(encodeValue(rest) as object)})) as never[])
    }
    const issues = issueDeltas(all).map((d) => ({
      _id: d.issueId, projectId: d.projectId, fingerprint: d.fingerprint, type: d.type, message: d.message,
      level: d.level, status: 'unresolved', count: d.count, firstSeen: d.firstSeen, lastSeen: d.lastSeen,
    }))
    await db.collection('issues').insertMany(issues as never[])
    const minutes = minuteDeltas(all).map((d) => ({_id: `${d.projectId}:${d.minute}`, projectId: d.projectId, minute: new Date(d.minute), count: d.count}))
    await db.collection('event_counts').insertMany(minutes as never[])
  } finally {
    await client.close()
  }
  return total / ((performance.now() - started) / 1000)
}

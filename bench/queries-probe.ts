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
import {openStore} from '../src/store/open.js'
import type {EventFilter, EventPageRequest, IssueFilter} from '../src/store/query-types.js'
import {DAY, END, START, fillMongoDirect, fillProject} from './query-data.js'

const url = process.argv[2] ?? 'sqlite:/tmp/crashlog-queries-probe/crashlog.db'
const total = Number(process.argv[3] ?? 1_000_000)
// PROBE_RUNS=3 for slow servers (FerretDB reads a whole collection per query).
const RUNS = Number(process.env.PROBE_RUNS ?? 25)
const WARMUP = Math.min(3, RUNS)
// PROBE_BATCH: events per insertEvents call while filling (FerretDB needs smaller ones
// to stay within the store's 1.25 s write deadline).
const BATCH = Number(process.env.PROBE_BATCH ?? 1000)



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
      project = await store.createProject({ownerId: owner.id, name: 'probe', description: '', slug: 'probe', keyHash: 'f'.repeat(64), keyPrefix: 'probe'})
      console.log(`filling ${url} with ${total} events…`)
      if (store.engine === 'mongodb' && process.env.PROBE_MONGO_DIRECT === '1') await fillMongoDirect(url, project.id, total)
      else {
        const rate = await fillProject(store, project.id, total, BATCH, (line) => console.log(line))
        console.log(`filled ${total} events: ${Math.round(rate)} events/s, batches of ${BATCH}`)
      }
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

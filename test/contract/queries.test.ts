// The Store's filtered queries (queryEvents, queryIssues, countEventsByBucket): the
// same answers from both engines, checked against a plain in-memory reference.

import {randomBytes} from 'node:crypto'
import Database from 'better-sqlite3'
import {expect} from 'chai'
import {openStore} from '../../src/store/open.js'
import type {EventCursor, EventFilter, IssueFilter, IssueSort} from '../../src/store/query-types.js'
import {indexPendingEvents, prepareEventWrites, writeEvents} from '../../src/store/sqlite/event-writes.js'
import {sqlitePathFromUrl} from '../../src/store/sqlite/sqlite-store.js'
import type {ErrorEvent, Issue, IssueStatus, Level, Store} from '../../src/store/types.js'
import {describeEachEngine, openTestStore} from '../support/engines.js'

// ---- fixtures -----------------------------------------------------------------

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0)
const at = (seconds: number): Date => new Date(T0 + seconds * 1000)

async function newProjectId(store: Store): Promise<number> {
  const owner = await store.createUser({
    name: 'Q',
    email: `q-${randomBytes(4).toString('hex')}@example.com`,
    passwordHash: 'x',
    role: 'member',
  })
  const keyHash = randomBytes(32).toString('hex')
  const project = await store.createProject({
    ownerId: owner.id,
    name: 'q',
    description: '',
    slug: `q-${randomBytes(4).toString('hex')}`,
    keyHash,
    keyPrefix: keyHash.slice(0, 8),
  })
  return project.id
}

let seq = 0

function event(projectId: number, overrides: Partial<ErrorEvent> = {}): ErrorEvent {
  seq += 1
  const fingerprint = overrides.fingerprint ?? 'fp'
  return {
    id: `e${String(seq).padStart(6, '0')}`,
    projectId,
    issueId: `iss-${projectId}-${fingerprint}`,
    fingerprint,
    receivedAt: at(seq),
    timestamp: at(seq),
    level: 'error',
    type: 'TypeError',
    message: 'something broke',
    frames: [],
    tags: {},
    ...overrides,
  }
}

/** A deterministic pseudo-random source, so a failure reproduces. */
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

const TYPES = ['TypeError', 'RangeError', 'ChunkLoadError', 'PaymentError']
const LEVELS: Level[] = ['fatal', 'error', 'warning', 'info']
const MESSAGES = [
  "Cannot read properties of undefined (reading 'price')",
  'Payment provider timeout after 3000 ms',
  'Loading chunk 42 failed',
  'Request failed with status code 503',
  'quantity must be <= 10',
]
const BROWSERS = ['Chrome', 'Firefox', 'Safari']
const OSES = ['Linux', 'Windows', 'iOS']

/** Events with every filterable field varied, many sharing timestamps (ties by id). */
function variedEvents(projectId: number, n: number, seed: number): ErrorEvent[] {
  const r = rng(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T
  return Array.from({length: n}, (_, i) => {
    const fingerprint = `fp${Math.floor(r() * 6)}`
    const e = event(projectId, {
      fingerprint,
      issueId: `iss-${projectId}-${fingerprint}`,
      // Few distinct seconds: plenty of timestamp ties.
      timestamp: at(Math.floor(r() * 40)),
      receivedAt: at(100 + i),
      level: pick(LEVELS),
      type: pick(TYPES),
      message: `${pick(MESSAGES)} #${i}`,
      tags: {
        ...(r() < 0.8 ? {browser: pick(BROWSERS)} : {}),
        ...(r() < 0.7 ? {checkout: `step ${1 + Math.floor(r() * 3)}`} : {}),
        ...(r() < 0.3 ? {'os.name': pick(OSES)} : {}),
      },
    })
    if (r() < 0.8) e.environment = pick(['production', 'staging'])
    if (r() < 0.8) e.release = pick(['1.0.0', '1.1.0', '2.0.0'])
    if (r() < 0.7) e.browser = {name: pick(BROWSERS), version: '1'}
    if (r() < 0.7) e.os = {name: pick(OSES)}
    if (r() < 0.6) e.url = `https://shop.example.com/${pick(['Cart', 'checkout/pay', 'search?q=x'])}`
    if (r() < 0.6) {
      const u = Math.floor(r() * 5)
      e.user = r() < 0.3 ? {id: u} : {id: `u${u}`, email: `u${u}@example.com`, ...(r() < 0.5 ? {username: `name${u}`} : {})}
    }
    return e
  })
}

// ---- the reference ------------------------------------------------------------------

function has<T>(values: readonly T[] | undefined, value: T | undefined): boolean {
  return values === undefined || values.length === 0 || (value !== undefined && values.includes(value))
}

function containsCi(haystack: unknown, needle: string): boolean {
  return typeof haystack === 'string' && haystack.toLowerCase().includes(needle.toLowerCase())
}

function userValues(user: Record<string, unknown> | undefined): string[] {
  if (user === undefined) return []
  const out: string[] = []
  if (typeof user.id === 'string') out.push(user.id)
  if (typeof user.id === 'number' && Number.isSafeInteger(user.id)) out.push(String(user.id))
  if (typeof user.email === 'string') out.push(user.email)
  if (typeof user.username === 'string') out.push(user.username)
  return out
}

function matches(e: ErrorEvent, f: EventFilter): boolean {
  if (e.projectId !== f.projectId) return false
  if (!has(f.issueId, e.issueId) || !has(f.type, e.type) || !has(f.level, e.level)) return false
  if (!has(f.environment, e.environment) || !has(f.release, e.release)) return false
  if (!has(f.browser, e.browser?.name) || !has(f.os, e.os?.name)) return false
  if (f.url?.length && !f.url.some((u) => containsCi(e.url, u))) return false
  if (f.user?.length && !userValues(e.user).some((v) => f.user!.includes(v))) return false
  for (const tag of f.tags ?? []) {
    if (tag.key === '' || !Object.prototype.hasOwnProperty.call(e.tags, tag.key) || e.tags[tag.key] !== tag.value) return false
  }
  for (const word of f.text ?? []) {
    if (word !== '' && !containsCi(e.message, word) && !containsCi(e.type, word)) return false
  }
  if (f.from !== undefined && e.timestamp.getTime() < f.from.getTime()) return false
  if (f.to !== undefined && e.timestamp.getTime() >= f.to.getTime()) return false
  if (f.receivedAfter !== undefined && e.receivedAt.getTime() <= f.receivedAfter.getTime()) return false
  return true
}

function compareDesc(a: {timestamp: Date; id: string}, b: {timestamp: Date; id: string}): number {
  const d = b.timestamp.getTime() - a.timestamp.getTime()
  return d !== 0 ? d : a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

function expected(events: readonly ErrorEvent[], f: EventFilter, order: 'desc' | 'asc' = 'desc'): string[] {
  const rows = events.filter((e) => matches(e, f)).sort(compareDesc)
  if (order === 'asc') rows.reverse()
  return rows.map((e) => e.id)
}

/** Every page, following the cursor, until a short page. */
async function allPages(
  store: Store,
  filter: EventFilter,
  order: 'desc' | 'asc',
  limit: number,
  between?: (page: number, cursor: EventCursor) => Promise<void>,
): Promise<ErrorEvent[]> {
  const out: ErrorEvent[] = []
  let after: EventCursor | undefined
  for (let page = 1; page < 10_000; page++) {
    const rows = await store.queryEvents(filter, {limit, order, ...(after ? {after} : {})})
    expect(rows.length).to.be.at.most(limit)
    out.push(...rows)
    if (rows.length < limit) return out
    const last = rows[rows.length - 1]!
    after = {timestamp: last.timestamp, id: last.id}
    if (between) await between(page, after)
  }
  throw new Error('too many pages')
}

const ids = (rows: readonly {id: string}[]): string[] => rows.map((r) => r.id)

// ---- the suite -------------------------------------------------------------------------

describeEachEngine('Store queries', (engine) => {
  let store: Store
  let projectId: number
  let otherProjectId: number

  beforeEach(async function () {
    store = await openTestStore(engine)
    projectId = await newProjectId(store)
    otherProjectId = await newProjectId(store)
  })

  afterEach(async function () {
    await store?.close()
  })

  describe('queryEvents: each filter field', () => {
    let events: ErrorEvent[]

    beforeEach(async () => {
      events = [
        event(projectId, {id: 'a1', type: 'TypeError', level: 'error', message: 'Cannot read property x', fingerprint: 'f1', environment: 'production', release: '1.0', browser: {name: 'Firefox'}, os: {name: 'Linux'}, url: 'https://shop.example.com/Cart?id=1', user: {id: 'u1', email: 'ann@example.com'}, tags: {browser: 'Firefox', checkout: 'step 1'}}),
        event(projectId, {id: 'a2', type: 'RangeError', level: 'fatal', message: 'Maximum call stack size exceeded', fingerprint: 'f2', environment: 'staging', release: '1.1', browser: {name: 'Chrome'}, os: {name: 'Windows'}, url: 'https://shop.example.com/checkout', user: {id: 42, username: 'bob'}, tags: {browser: 'Chrome', checkout: 'step 2'}}),
        event(projectId, {id: 'a3', type: 'TypeError', level: 'warning', message: 'undefined is not a function', fingerprint: 'f1', environment: 'production', release: '1.1', browser: {name: 'Chrome'}, tags: {browser: 'Chrome'}}),
        event(projectId, {id: 'a4', type: 'PaymentError', level: 'error', message: 'Payment TIMEOUT for order 7', fingerprint: 'f3', user: {email: 'u1'}, tags: {checkout: 'step 1', 'os.name': 'iOS'}}),
        event(otherProjectId, {id: 'z1', type: 'TypeError', message: 'Cannot read property x', environment: 'production', tags: {browser: 'Firefox'}}),
      ]
      await store.insertEvents(events)
    })

    const check = async (filter: Omit<EventFilter, 'projectId'>, want: string[]): Promise<void> => {
      const f = {projectId, ...filter}
      expect(expected(events, f), 'reference').to.deep.equal(want)
      expect(ids(await store.queryEvents(f, {limit: 100, order: 'desc'}))).to.deep.equal(want)
    }

    it('returns the project’s events, newest first, as stored', async () => {
      const rows = await store.queryEvents({projectId}, {limit: 100, order: 'desc'})
      expect(ids(rows)).to.deep.equal(['a4', 'a3', 'a2', 'a1'])
      expect(rows[3]).to.deep.equal(events[0])
      expect(ids(await store.queryEvents({projectId: otherProjectId}, {limit: 100, order: 'desc'}))).to.deep.equal(['z1'])
    })

    it('issueId', () => check({issueId: [`iss-${projectId}-f1`]}, ['a3', 'a1']))
    it('type, several values', () => check({type: ['RangeError', 'PaymentError']}, ['a4', 'a2']))
    it('level', () => check({level: ['fatal', 'warning']}, ['a3', 'a2']))
    it('environment', () => check({environment: ['production']}, ['a3', 'a1']))
    it('release', () => check({release: ['1.1']}, ['a3', 'a2']))
    it('browser (browser.name)', () => check({browser: ['Chrome']}, ['a3', 'a2']))
    it('os (os.name)', () => check({os: ['Linux', 'Windows']}, ['a2', 'a1']))
    it('url: case-insensitive substring, any value', () => check({url: ['cart', 'nothing'], }, ['a1']))
    it('user: id, email or username, exact; a numeric id matches its text', async () => {
      await check({user: ['u1']}, ['a4', 'a1'])
      await check({user: ['42']}, ['a2'])
      await check({user: ['bob', 'ann@example.com']}, ['a2', 'a1'])
      await check({user: ['u']}, [])
    })
    it('tags: every given tag', async () => {
      await check({tags: [{key: 'browser', value: 'Chrome'}]}, ['a3', 'a2'])
      await check({tags: [{key: 'checkout', value: 'step 1'}, {key: 'os.name', value: 'iOS'}]}, ['a4'])
      await check({tags: [{key: 'browser', value: 'Chrome'}, {key: 'browser', value: 'Firefox'}]}, [])
      await check({tags: [{key: 'checkout', value: 'step'}]}, [])
    })
    it('text: every word, each in message or type, case-insensitive', async () => {
      await check({text: ['payment', 'timeout']}, ['a4'])
      await check({text: ['rangeerror']}, ['a2'])
      await check({text: ['type', 'UNDEFINED']}, ['a3'])
      await check({text: ['read', 'stack']}, [])
    })
    it('from (inclusive) and to (exclusive) on timestamp', async () => {
      const [a1, a2, a3] = events as [ErrorEvent, ErrorEvent, ErrorEvent]
      await check({from: a2.timestamp}, ['a4', 'a3', 'a2'])
      await check({to: a3.timestamp}, ['a2', 'a1'])
      await check({from: a1.timestamp, to: a2.timestamp}, ['a1'])
    })
    it('receivedAfter: strictly after, on receivedAt', async () => {
      await check({receivedAfter: events[1]!.receivedAt}, ['a4', 'a3'])
    })
    it('combines fields with AND and values with OR', async () => {
      await check({type: ['TypeError'], tags: [{key: 'browser', value: 'Chrome'}]}, ['a3'])
      await check({type: ['TypeError', 'RangeError'], environment: ['production', 'staging'], level: ['error', 'fatal']}, ['a2', 'a1'])
      await check({issueId: [`iss-${projectId}-f1`], text: ['undefined'], browser: ['Chrome'], release: ['1.1']}, ['a3'])
      await check({user: ['u1'], tags: [{key: 'checkout', value: 'step 1'}], url: ['CART']}, ['a1'])
    })
    it('treats empty value lists as absent', () => check({type: [], tags: [], text: [''], user: []}, ['a4', 'a3', 'a2', 'a1']))
    it('returns nothing for limit 0, an unknown project or an empty tag key', async () => {
      expect(await store.queryEvents({projectId}, {limit: 0, order: 'desc'})).to.deep.equal([])
      expect(await store.queryEvents({projectId: 999_999}, {limit: 10, order: 'desc'})).to.deep.equal([])
      expect(await store.queryEvents({projectId, tags: [{key: '', value: 'x'}]}, {limit: 10, order: 'desc'})).to.deep.equal([])
    })
  })

  describe('queryEvents: literal matching', () => {
    it('matches %, _, .*, $ne and \\ literally, in every field', async () => {
      const odd = event(projectId, {
        id: 'odd',
        type: '.*',
        message: 'rate 100% of a_b with $ne and C:\\temp (x+y)?',
        environment: '%',
        release: '$ne',
        url: 'https://x.example/a_b%25',
        user: {id: '$ne', email: '.*'},
        tags: {'$where': '$ne', 'a.b': '.*', '%2E': '\\', 'x%': '_'},
      })
      const plain = event(projectId, {
        id: 'plain',
        type: 'TypeError',
        message: 'rate 1000 of aXb with ne and C:temp xy',
        environment: 'production',
        release: 'ne',
        url: 'https://x.example/aXb25',
        user: {id: 'ne', email: 'anything'},
        tags: {where: 'ne', ab: 'x', 'a%2Eb': '\\', '%24where': '$ne', x_: '_'},
      })
      await store.insertEvents([odd, plain])
      const q = async (filter: Omit<EventFilter, 'projectId'>): Promise<string[]> =>
        ids(await store.queryEvents({projectId, ...filter}, {limit: 10, order: 'desc'}))
      for (const word of ['%', '_', '.*', '$ne', '\\', '(x+y)?', 'a_b', '100%']) {
        expect(await q({text: [word]}), `text ${word}`).to.deep.equal(['odd'])
      }
      expect(await q({text: ['.']})).to.deep.equal(['odd'])
      expect(await q({url: ['_b%']})).to.deep.equal(['odd'])
      expect(await q({url: ['.']})).to.deep.equal(['plain', 'odd'])
      expect(await q({type: ['.*']})).to.deep.equal(['odd'])
      expect(await q({type: ['%']})).to.deep.equal([])
      expect(await q({environment: ['%']})).to.deep.equal(['odd'])
      expect(await q({environment: ['_']})).to.deep.equal([])
      expect(await q({release: ['$ne']})).to.deep.equal(['odd'])
      expect(await q({user: ['$ne']})).to.deep.equal(['odd'])
      expect(await q({user: ['.*']})).to.deep.equal(['odd'])
      expect(await q({tags: [{key: '$where', value: '$ne'}]})).to.deep.equal(['odd'])
      expect(await q({tags: [{key: 'a.b', value: '.*'}]})).to.deep.equal(['odd'])
      expect(await q({tags: [{key: '%2E', value: '\\'}]})).to.deep.equal(['odd'])
      expect(await q({tags: [{key: 'a%2Eb', value: '\\'}]})).to.deep.equal(['plain'])
      expect(await q({tags: [{key: '%24where', value: '$ne'}]})).to.deep.equal(['plain'])
      expect(await q({tags: [{key: 'x%', value: '_'}]})).to.deep.equal(['odd'])
      expect(await q({tags: [{key: 'x_', value: '_'}]})).to.deep.equal(['plain'])
      expect(await q({tags: [{key: 'a.b', value: '%'}]})).to.deep.equal([])
    })

    it('folds case beyond ASCII in text and url', async () => {
      await store.insertEvents([
        event(projectId, {id: 'u1', message: 'Größe ÜBER Grenze', url: 'https://ex.example/Straße'}),
        event(projectId, {id: 'u2', message: 'plain ascii'}),
      ])
      const q = async (filter: Omit<EventFilter, 'projectId'>): Promise<string[]> =>
        ids(await store.queryEvents({projectId, ...filter}, {limit: 10, order: 'desc'}))
      expect(await q({text: ['über']})).to.deep.equal(['u1'])
      expect(await q({text: ['GRÖSSE']})).to.deep.equal([])
      expect(await q({text: ['größe', 'grenze']})).to.deep.equal(['u1'])
      expect(await q({url: ['STRAßE']})).to.deep.equal(['u1'])
    })
  })

  describe('queryEvents: keyset pagination', () => {
    let events: ErrorEvent[]

    beforeEach(async () => {
      events = variedEvents(projectId, 60, 7)
      await store.insertEvents(events)
      await store.insertEvents(variedEvents(otherProjectId, 20, 8))
    })

    it('visits every row exactly once, in order, in both directions', async () => {
      for (const order of ['desc', 'asc'] as const) {
        for (const limit of [1, 7, 60]) {
          // One row per page is the strictest walk; on the slow MongoDB test server, one direction suffices.
          if (limit === 1 && order === 'asc' && engine.name === 'mongodb') continue
          const rows = await allPages(store, {projectId}, order, limit)
          expect(ids(rows), `${order} limit ${limit}`).to.deep.equal(expected(events, {projectId}, order))
        }
      }
    })

    it('breaks timestamp ties by id', async () => {
      const t = at(500)
      const tied = ['t-b', 't-d', 't-a', 't-c'].map((id) => event(projectId, {id, timestamp: t}))
      await store.insertEvents(tied)
      const f = {projectId, from: t}
      expect(ids(await store.queryEvents(f, {limit: 10, order: 'desc'}))).to.deep.equal(['t-d', 't-c', 't-b', 't-a'])
      expect(ids(await store.queryEvents(f, {limit: 10, order: 'asc'}))).to.deep.equal(['t-a', 't-b', 't-c', 't-d'])
      const after = {timestamp: t, id: 't-c'}
      expect(ids(await store.queryEvents(f, {limit: 10, order: 'desc', after}))).to.deep.equal(['t-b', 't-a'])
      expect(ids(await store.queryEvents(f, {limit: 10, order: 'asc', after}))).to.deep.equal(['t-d'])
      expect(ids(await allPages(store, f, 'desc', 1))).to.deep.equal(['t-d', 't-c', 't-b', 't-a'])
    })

    it('paginates filtered queries, whichever index drives them', async () => {
      const filters: Omit<EventFilter, 'projectId'>[] = [
        {type: ['TypeError', 'RangeError']},
        {tags: [{key: 'browser', value: 'Chrome'}]},
        {type: ['PaymentError'], tags: [{key: 'checkout', value: 'step 2'}]},
        {issueId: [`iss-${projectId}-fp1`, `iss-${projectId}-fp3`], level: ['error', 'fatal']},
        {environment: ['staging'], release: ['1.0.0', '2.0.0']},
        {text: ['payment']},
        {user: ['u1', 'u2', '3']},
      ]
      for (const filter of filters) {
        const f = {projectId, ...filter}
        for (const order of ['desc', 'asc'] as const) {
          expect(ids(await allPages(store, f, order, 5)), `${JSON.stringify(filter)} ${order}`).to.deep.equal(expected(events, f, order))
        }
      }
    })

    it('neither skips nor repeats a row when rows are inserted between pages', async () => {
      for (const order of ['desc', 'asc'] as const) {
        const added: ErrorEvent[] = []
        let cursorAtInsert: EventCursor | undefined
        const rows = await allPages(store, {projectId}, order, 6, async (page, cursor) => {
          if (page !== 3) return
          cursorAtInsert = cursor
          const batch = [
            event(projectId, {timestamp: at(-1_000)}), // oldest of all
            event(projectId, {timestamp: at(1_000)}), // newest of all
            event(projectId, {timestamp: cursor.timestamp, id: `${cursor.id}-after`}), // ties: just after by id
            event(projectId, {timestamp: cursor.timestamp, id: `${cursor.id.slice(0, -1)}`}), // ties: just before by id
          ]
          added.push(...batch)
          await store.insertEvents(batch)
        })
        const seen = ids(rows)
        expect(new Set(seen).size, 'no duplicates').to.equal(seen.length)
        const c = cursorAtInsert!
        const sign = order === 'desc' ? 1 : -1
        // New rows after the cursor position (in this order) are met; the others were already behind.
        const laterNew = added.filter((e) => sign * compareDesc({timestamp: c.timestamp, id: c.id}, e) < 0)
        const want = expected([...events, ...added.filter((e) => laterNew.includes(e))], {projectId}, order)
        expect(seen).to.deep.equal(want)
        expect(laterNew.length).to.equal(2)
        events.push(...added)
      }
    })
  })

  describe('queryEvents: against the reference, random filters', () => {
    it('answers like the reference for many combinations, paginated', async function () {
      this.timeout(180_000)
      const events = variedEvents(projectId, 150, 11)
      await store.insertEvents(events)
      await store.insertEvents(variedEvents(otherProjectId, 30, 12))
      const r = rng(99)
      const some = <T>(list: readonly T[], p: number): T[] | undefined =>
        r() < p ? list.filter(() => r() < 0.5).slice(0, 2).concat(list[Math.floor(r() * list.length)] as T) : undefined
      for (let i = 0; i < 30; i++) {
        const f: EventFilter = {projectId}
        const set = <K extends keyof EventFilter>(key: K, value: EventFilter[K] | undefined): void => {
          if (value !== undefined) f[key] = value
        }
        set('type', some(TYPES, 0.3))
        set('level', some(LEVELS, 0.2))
        set('issueId', some(['fp0', 'fp1', 'fp2', 'fp5'].map((fp) => `iss-${projectId}-${fp}`), 0.15))
        set('environment', some(['production', 'staging'], 0.2))
        set('release', some(['1.0.0', '1.1.0', '2.0.0'], 0.2))
        set('browser', some(BROWSERS, 0.15))
        set('os', some(OSES, 0.15))
        set('url', some(['cart', 'PAY', 'q='], 0.1))
        set('user', some(['u0', 'u1', '2', 'u3@example.com', 'name4'], 0.15))
        if (r() < 0.4) f.tags = [{key: 'browser', value: BROWSERS[Math.floor(r() * 3)]!}]
        if (r() < 0.2) f.tags = [...(f.tags ?? []), {key: 'checkout', value: `step ${1 + Math.floor(r() * 3)}`}]
        if (r() < 0.1) f.tags = [...(f.tags ?? []), {key: 'os.name', value: OSES[Math.floor(r() * 3)]!}]
        set('text', some(['payment', 'CHUNK', 'read', '#1', 'error'], 0.25))
        if (r() < 0.2) f.from = at(Math.floor(r() * 20))
        if (r() < 0.2) f.to = at(20 + Math.floor(r() * 20))
        if (r() < 0.1) f.receivedAfter = at(100 + Math.floor(r() * 200))
        const order = r() < 0.5 ? 'desc' : 'asc'
        const want = expected(events, f, order)
        expect(ids(await allPages(store, f, order, 9)), JSON.stringify(f)).to.deep.equal(want)
        const first = await store.queryEvents(f, {limit: 3, order})
        expect(ids(first)).to.deep.equal(want.slice(0, 3))
      }
    })
  })

  describe('countEventsByBucket', () => {
    it('counts matching events per bucket from `from`, non-empty buckets only', async () => {
      const events = variedEvents(projectId, 150, 21)
      await store.insertEvents(events)
      await store.insertEvents(variedEvents(otherProjectId, 20, 22))
      const from = at(5)
      const to = at(35)
      for (const filter of [
        {},
        {type: ['TypeError']},
        {tags: [{key: 'browser', value: 'Firefox'}]},
        {type: ['RangeError', 'PaymentError'], environment: ['production']},
        {text: ['payment'], from: at(10), to: at(50)},
        {issueId: [`iss-${projectId}-fp2`], level: ['error', 'fatal', 'info']},
      ] as Omit<EventFilter, 'projectId'>[]) {
        const f = {projectId, ...filter}
        const bucketMs = 7000
        const want = new Map<number, number>()
        for (const e of events) {
          const ts = e.timestamp.getTime()
          if (!matches(e, f) || ts < from.getTime() || ts >= to.getTime()) continue
          const k = Math.floor((ts - from.getTime()) / bucketMs)
          want.set(k, (want.get(k) ?? 0) + 1)
        }
        const wantRows = [...want.entries()].sort((a, b) => a[0] - b[0]).map(([k, count]) => ({start: new Date(from.getTime() + k * bucketMs), count}))
        const got = await store.countEventsByBucket(f, bucketMs, from, to)
        expect(got, JSON.stringify(filter)).to.deep.equal(wantRows)
        const total = events.filter((e) => matches(e, f) && e.timestamp >= from && e.timestamp < to).length
        expect(got.reduce((s, b) => s + b.count, 0)).to.equal(total)
      }
    })

    it('is empty for an empty range and rejects a bucket size of 0', async () => {
      await store.insertEvents([event(projectId, {timestamp: at(1)})])
      expect(await store.countEventsByBucket({projectId}, 1000, at(5), at(5))).to.deep.equal([])
      expect(await store.countEventsByBucket({projectId, to: at(0)}, 1000, at(0), at(10))).to.deep.equal([])
      expect(await store.countEventsByBucket({projectId}, 60_000, at(0), at(10))).to.deep.equal([{start: at(0), count: 1}])
      let failed = false
      try {
        await store.countEventsByBucket({projectId}, 0, at(0), at(10))
      } catch (err) {
        failed = err instanceof RangeError
      }
      expect(failed).to.equal(true)
    })
  })

  describe('queryIssues', () => {
    let issues: Issue[]

    beforeEach(async () => {
      // fp-a: 3 events, fp-b: 1, fp-c: 3 (count tie with fp-a), fp-d: 2 with fp-b's lastSeen, fp-e: 1.
      const spec: [string, number[], Partial<ErrorEvent>][] = [
        ['fp-a', [10, 20, 30], {type: 'TypeError', message: 'Cannot read x', level: 'error'}],
        ['fp-b', [5], {type: 'RangeError', message: 'Stack overflow', level: 'fatal'}],
        ['fp-c', [1, 2, 40], {type: 'TypeError', message: 'Payment timeout', level: 'warning'}],
        ['fp-d', [3, 5], {type: 'ChunkLoadError', message: 'Loading chunk 7 failed', level: 'error'}],
        ['fp-e', [1], {type: 'PaymentError', message: 'card declined 100%', level: 'info'}],
      ]
      for (const [fp, times, o] of spec) {
        await store.insertEvents(times.map((t) => event(projectId, {...o, fingerprint: fp, issueId: `iss-${projectId}-${fp}`, timestamp: at(t)})))
      }
      await store.insertEvents([event(otherProjectId, {fingerprint: 'fp-a', issueId: `iss-${otherProjectId}-fp-a`, timestamp: at(99)})])
      await store.setIssueStatus(projectId, `iss-${projectId}-fp-b`, 'resolved')
      await store.setIssueStatus(projectId, `iss-${projectId}-fp-e`, 'ignored')
      issues = []
      for (const fp of ['fp-a', 'fp-b', 'fp-c', 'fp-d', 'fp-e']) issues.push((await store.findIssue(projectId, `iss-${projectId}-${fp}`))!)
    })

    const sortValue = (issue: Issue, sort: IssueSort): number =>
      sort === 'count' ? issue.count : sort === 'lastSeen' ? issue.lastSeen.getTime() : issue.firstSeen.getTime()

    function reference(filter: IssueFilter, sort: IssueSort): string[] {
      return issues
        .filter((i) => has(filter.status, i.status) && has(filter.type, i.type) && has(filter.level, i.level))
        .filter((i) => (filter.text ?? []).every((w) => containsCi(i.message, w) || containsCi(i.type, w)))
        .filter((i) => filter.from === undefined || i.lastSeen.getTime() >= filter.from.getTime())
        .filter((i) => filter.to === undefined || i.firstSeen.getTime() < filter.to.getTime())
        .sort((a, b) => sortValue(b, sort) - sortValue(a, sort) || (a.id < b.id ? 1 : -1))
        .map((i) => i.id)
    }

    const short = (list: string[]): string[] => list.map((id) => id.replace(`iss-${projectId}-`, ''))

    it('sorts by lastSeen, firstSeen or count, descending, ties by id descending', async () => {
      const q = async (sort: IssueSort): Promise<string[]> => short(ids(await store.queryIssues({projectId}, {limit: 10, sort})))
      expect(await q('lastSeen')).to.deep.equal(['fp-c', 'fp-a', 'fp-d', 'fp-b', 'fp-e'])
      expect(await q('firstSeen')).to.deep.equal(['fp-a', 'fp-b', 'fp-d', 'fp-e', 'fp-c'])
      expect(await q('count')).to.deep.equal(['fp-c', 'fp-a', 'fp-d', 'fp-e', 'fp-b'])
      const found = await store.queryIssues({projectId}, {limit: 1, sort: 'lastSeen'})
      expect(found).to.deep.equal([issues[2]])
    })

    it('follows the {value, id} cursor, for every sort, visiting each issue once', async () => {
      for (const filter of [{projectId}, {projectId, to: at(4)}, {projectId, from: at(5)}] as IssueFilter[]) {
        for (const sort of ['lastSeen', 'firstSeen', 'count'] as const) {
          for (const limit of [1, 2, 3]) {
            const seen: string[] = []
            let after: {value: number; id: string} | undefined
            for (;;) {
              const rows = await store.queryIssues(filter, {limit, sort, ...(after ? {after} : {})})
              seen.push(...ids(rows))
              if (rows.length < limit) break
              const last = rows[rows.length - 1]!
              after = {value: sortValue(last, sort), id: last.id}
            }
            expect(seen, `${JSON.stringify(filter)} ${sort} limit ${limit}`).to.deep.equal(reference(filter, sort))
          }
        }
      }
    })

    it('filters by status, type, level, text, from (lastSeen) and to (firstSeen)', async () => {
      const filters: Omit<IssueFilter, 'projectId'>[] = [
        {status: ['unresolved']},
        {status: ['resolved', 'ignored'] as IssueStatus[]},
        {type: ['TypeError']},
        {level: ['error', 'fatal']},
        {text: ['payment']},
        {text: ['typeerror', 'timeout']},
        {text: ['100%']},
        {text: ['_']},
        {from: at(20)},
        {to: at(2)},
        {from: at(5), to: at(10), status: ['unresolved', 'resolved']},
      ]
      for (const filter of filters) {
        for (const sort of ['lastSeen', 'count'] as const) {
          const f = {projectId, ...filter}
          expect(ids(await store.queryIssues(f, {limit: 10, sort})), `${JSON.stringify(filter)} ${sort}`).to.deep.equal(reference(f, sort))
        }
      }
      expect(await store.queryIssues({projectId}, {limit: 0, sort: 'count'})).to.deep.equal([])
      expect(ids(await store.queryIssues({projectId: otherProjectId}, {limit: 10, sort: 'count'}))).to.deep.equal([`iss-${otherProjectId}-fp-a`])
    })
  })

  if (engine.name === 'sqlite') {
    describe('SQLite slices', () => {
      it('walks a large project in slices when conditions reject most rows, with the same answers', async function () {
        this.timeout(120_000)
        const events: ErrorEvent[] = []
        for (let i = 0; i < 6000; i++) {
          const rare = i % 1400 === 7
          events.push(
            event(projectId, {
              timestamp: at(Math.floor(i / 3)),
              type: i % 2 ? 'TypeError' : 'RangeError',
              message: rare ? `needle ${i}` : `hay ${i}`,
              ...(i % 997 === 3 ? {user: {id: 'someone'}} : {}),
            }),
          )
        }
        for (let i = 0; i < events.length; i += 1000) await store.insertEvents(events.slice(i, i + 1000))
        for (const filter of [
          {text: ['needle']},
          {user: ['someone']},
          {type: ['TypeError', 'RangeError'], text: ['needle']},
          {text: ['needle'], from: at(100), to: at(1900)},
          // More candidates than the trigram index is used for: walked in time order.
          {text: ['hay']},
          {text: ['hay'], type: ['TypeError']},
          // Too short for a trigram: walked, checked per row.
          {text: ['ne']},
          // Each word common or not, together nowhere: the trigram index says so at once.
          {text: ['needle', 'hay']},
        ] as Omit<EventFilter, 'projectId'>[]) {
          const f = {projectId, ...filter}
          for (const order of ['desc', 'asc'] as const) {
            const all = expected(events, f, order)
            expect(ids(await store.queryEvents(f, {limit: 100, order})), JSON.stringify(filter)).to.deep.equal(all.slice(0, 100))
            expect(ids(await allPages(store, f, order, all.length > 100 ? 400 : 2))).to.deep.equal(all)
          }
          const buckets = await store.countEventsByBucket(f, 600_000, at(0), at(3000))
          expect(buckets.reduce((n, b) => n + b.count, 0)).to.equal(expected(events, f).length)
        }
      })
    })

    describe('SQLite term index', () => {
      it('keeps event_terms and the trigram text index in step with the events: written with them, removed with them, rebuilt by the migration', async () => {
        const url = engine.newDatabaseUrl()
        const path = sqlitePathFromUrl(url)
        let s = await openStore(url)
        const pid = await newProjectId(s)
        const events = variedEvents(pid, 60, 31)
        events[0]!.tags = {'$where': '1', 'a.b': 'x', '': 'empty key', n: 7 as unknown as string}
        events[1]!.user = {id: 5}
        await s.insertEvents(events)
        await s.close()

        const snapshot = (): unknown[] => {
          const db = new Database(path, {readonly: true})
          try {
            return db.prepare('SELECT * FROM event_terms ORDER BY project_id, name, value, timestamp, event_id').all()
          } finally {
            db.close()
          }
        }
        const written = snapshot()
        expect(written.length).to.be.greaterThan(100)
        // The trigram index finds exactly the events whose message or type has the word.
        const TEXT_WORDS = ['undefined', 'Payment', 'chunk 42', 'RangeError', 'status code', '<= 10']
        const textIndexAgrees = (): void => {
          const db = new Database(path, {readonly: true})
          try {
            for (const word of TEXT_WORDS) {
              const indexed = db.prepare('SELECT rowid FROM errors_text WHERE errors_text MATCH ? ORDER BY rowid').all(`"${word}"`)
              const scanned = db.prepare("SELECT rowid FROM errors WHERE message || char(10) || type LIKE ? ORDER BY rowid").all(`%${word}%`)
              expect(indexed, word).to.deep.equal(scanned)
            }
          } finally {
            db.close()
          }
        }
        textIndexAgrees()
        // Deleting an event deletes its term rows by primary key, never by a scan of event_terms.
        {
          const db = new Database(path, {readonly: true})
          try {
            const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'errors'").all() as {name: string; sql: string}[]
            for (const {name, sql} of triggers) {
              const statements = sql.slice(sql.indexOf('BEGIN') + 5, sql.lastIndexOf('END')).split(';').map((x) => x.trim())
              for (const statement of statements.filter((x) => x.startsWith('DELETE FROM event_terms'))) {
                const select = statement.replace('DELETE FROM event_terms', 'SELECT * FROM event_terms').replace(/\bold\.(\w+)/g, (_, c: string) => (c === 'doc' ? "'{}'" : '1'))
                const plan = (db.prepare(`EXPLAIN QUERY PLAN ${select}`).all() as {detail: string}[]).map((r) => r.detail)
                expect(plan[0], `${name}: ${statement.slice(0, 120)}`).to.match(/^SEARCH event_terms USING PRIMARY KEY/)
              }
            }
          } finally {
            db.close()
          }
        }

        // As if the database predated the term index: the migration rebuilds the same rows.
        const db = new Database(path)
        db.exec(`DROP TRIGGER errors_terms_delete; DROP TRIGGER errors_terms_update; DROP TABLE event_terms;
          DROP INDEX errors_project_type_time; DROP INDEX errors_project_issue_time;
          DROP INDEX issues_project_first_seen; DROP INDEX issues_project_count;
          DROP TRIGGER errors_text_delete; DROP TRIGGER errors_text_update;
          DROP TABLE errors_text; DROP TRIGGER errors_index_state_delete; DROP TABLE event_index_state;
          PRAGMA user_version = 2;`)
        db.close()
        s = await openStore(url)
        try {
          expect(snapshot()).to.deep.equal(written)
          textIndexAgrees()
          expect(ids(await s.queryEvents({projectId: pid, text: ['chunk']}, {limit: 100, order: 'desc'}))).to.deep.equal(
            events.filter((e) => /chunk/i.test(`${e.message}\n${e.type}`)).sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime() || (a.id < b.id ? 1 : -1)).map((e) => e.id),
          )
          expect(ids(await s.queryEvents({projectId: pid, tags: [{key: 'n', value: '7'}]}, {limit: 5, order: 'desc'}))).to.deep.equal([events[0]!.id])

          // Deleting events (retention, a project) removes their rows, leaving the others.
          const other = await newProjectId(s)
          await s.insertEvents(variedEvents(other, 10, 32).map((e) => ({...e, receivedAt: at(5000)})))
          expect(await s.deleteEventsBefore(at(100 + 30), 1000)).to.be.greaterThan(0)
          expect(await s.deleteProject(pid)).to.equal(true)
          const left = snapshot() as {project_id: number}[]
          expect(left.length).to.be.greaterThan(0)
          expect(left.every((row) => row.project_id === other)).to.equal(true)
          textIndexAgrees()
        } finally {
          await s.close()
        }
      })

      it('finds events whose terms and words are not indexed yet, by every filter; an index step indexes them; deleting the newest rows lowers the mark', async () => {
        const url = engine.newDatabaseUrl()
        const path = sqlitePathFromUrl(url)
        const s = await openStore(url)
        // The writer thread's way, on a connection of our own: events committed with
        // 'later', indexed only when indexPendingEvents runs.
        const db = new Database(path)
        try {
          const stmts = prepareEventWrites(db)
          const pid = await newProjectId(s)
          const write = (list: ErrorEvent[], index: 'now' | 'later'): ErrorEvent[] =>
            writeEvents(db, stmts, list.map((event) => ({event, doc: JSON.stringify(event)})), index)
          const events = variedEvents(pid, 80, 41)
          write(events.slice(0, 40), 'now')
          write(events.slice(40), 'later')
          const state = (): {through: number; max: number; terms: number} => ({
            through: db.prepare('SELECT indexed_through AS n FROM event_index_state').pluck().get() as number,
            max: db.prepare('SELECT max(rowid) FROM errors').pluck().get() as number,
            terms: db.prepare('SELECT count(*) FROM event_terms').pluck().get() as number,
          })
          const before = state()
          expect(before.max - before.through).to.equal(40)
          const filters: Omit<EventFilter, 'projectId'>[] = [
            {tags: [{key: 'browser', value: 'Chrome'}]},
            {tags: [{key: 'checkout', value: 'step 2'}], type: ['TypeError']},
            {environment: ['staging']},
            {release: ['1.1.0', '2.0.0']},
            {browser: ['Firefox']},
            {os: ['Linux']},
            {text: ['chunk']},
            {text: ['payment'], environment: ['production']},
            {text: ['nowhere-at-all']},
          ]
          const allAgree = async (list: ErrorEvent[]): Promise<void> => {
            for (const filter of filters) {
              const f = {projectId: pid, ...filter}
              for (const order of ['desc', 'asc'] as const) {
                expect(ids(await allPages(s, f, order, 7)), JSON.stringify(filter)).to.deep.equal(expected(list, f, order))
              }
              const buckets = await s.countEventsByBucket(f, 10_000, at(0), at(60))
              expect(buckets.reduce((n, b) => n + b.count, 0), JSON.stringify(filter)).to.equal(expected(list, f).length)
            }
          }
          await allAgree(events)

          expect(indexPendingEvents(db, stmts, new Map())).to.equal(40)
          const after = state()
          expect(after.through).to.equal(after.max)
          expect(after.terms).to.be.greaterThan(before.terms)
          await allAgree(events)
          const words = (word: string): unknown[] => db.prepare('SELECT rowid FROM errors_text WHERE errors_text MATCH ? ORDER BY rowid').pluck().all(`"${word}"`)
          const scanned = (word: string): unknown[] => db.prepare('SELECT rowid FROM errors WHERE message || char(10) || type LIKE ? ORDER BY rowid').pluck().all(`%${word}%`)
          expect(words('chunk')).to.deep.equal(scanned('chunk'))

          // The newest 10 deleted: their rowids are handed out again, and must be indexed again.
          const gone = events.slice(70).map((e) => e.id)
          db.prepare(`DELETE FROM errors WHERE id IN (${gone.map(() => '?').join(', ')})`).run(...gone)
          expect(state().through).to.equal(after.max - 10)
          const fresh = variedEvents(pid, 10, 42)
          write(fresh, 'later')
          const now = [...events.slice(0, 70), ...fresh]
          await allAgree(now)
          expect(indexPendingEvents(db, stmts, new Map(fresh.map((e) => [e.id, e])))).to.equal(10)
          await allAgree(now)
          expect(words('chunk')).to.deep.equal(scanned('chunk'))
          expect(words('payment')).to.deep.equal(scanned('payment'))
        } finally {
          db.close()
          await s.close()
        }
      })
    })
  }
})

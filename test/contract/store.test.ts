// The Store contract: the same behaviour from both engines, over real databases.

import {randomBytes} from 'node:crypto'
import {statSync} from 'node:fs'
import Database from 'better-sqlite3'
import {expect} from 'chai'
import {RateLimiterRes} from 'rate-limiter-flexible'
import {RetentionJob} from '../../src/domain/retention.js'
import {ConfigError} from '../../src/errors.js'
import {MongoStore} from '../../src/store/mongo/mongo-store.js'
import {displayDbUrl, openStore} from '../../src/store/open.js'
import {SqliteStore, sqlitePathFromUrl} from '../../src/store/sqlite/sqlite-store.js'
import {
  DuplicateKeyError,
  StoreUnavailableError,
  type ErrorEvent,
  type NewProject,
  type NewUser,
  type Store,
} from '../../src/store/types.js'
import {ENGINES, describeEachEngine, openTestStore} from '../support/engines.js'

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return {
    name: 'Ada Lovelace',
    email: `${unique('ada')}@example.com`,
    passwordHash: '$2b$04$abcdefghijklmnopqrstuuJ0M0u6Xb0pZz1p2q3r4s5t6u7v8w9x0',
    role: 'member',
    ...overrides,
  }
}

function newProject(ownerId: string, overrides: Partial<NewProject> = {}): NewProject {
  const keyHash = randomBytes(32).toString('hex')
  return {
    ownerId,
    name: 'Web shop',
    description: 'the storefront',
    slug: unique('shop'),
    keyHash,
    keyPrefix: keyHash.slice(0, 8),
    ...overrides,
  }
}

let eventSeq = 0

/** Any function of (project, fingerprint) will do: the store only needs it consistent. */
function issueIdOf(projectId: number, fingerprint: string): string {
  return `iss-${projectId}-${fingerprint}`
}

function minimalEvent(projectId: number, overrides: Partial<ErrorEvent> = {}): ErrorEvent {
  eventSeq += 1
  const event: ErrorEvent = {
    id: `evt-${String(eventSeq).padStart(6, '0')}-${randomBytes(4).toString('hex')}`,
    projectId,
    issueId: '',
    fingerprint: 'fp-default',
    receivedAt: new Date('2024-05-01T10:00:00.123Z'),
    timestamp: new Date('2024-05-01T09:59:59.456Z'),
    level: 'error',
    type: 'TypeError',
    message: "Cannot read properties of undefined (reading 'x')",
    frames: [],
    tags: {},
    ...overrides,
  }
  if (overrides.issueId === undefined) event.issueId = issueIdOf(projectId, event.fingerprint)
  return event
}

function fullEvent(projectId: number, overrides: Partial<ErrorEvent> = {}): ErrorEvent {
  return minimalEvent(projectId, {
    issueId: 'iss-1',
    fingerprint: 'f'.repeat(32),
    level: 'fatal',
    stack: "TypeError: Cannot read properties of undefined (reading 'x')\n    at main (app.js:10:5)",
    frames: [
      {function: 'main', file: 'https://shop.example.com/app.js', line: 10, column: 5, inApp: true},
      {file: 'node:internal/process', inApp: false},
    ],
    contexts: {request: {method: 'POST', headers: {'x.forwarded': '1'}}, extra: {cart: [1, 2]}},
    tags: {feature: 'checkout', 'release.stage': 'beta', empty: ''},
    environment: 'production',
    release: 'shop@1.2.3',
    platform: 'javascript',
    url: 'https://shop.example.com/cart?id=1',
    browser: {name: 'Firefox', version: '126.0'},
    os: {name: 'Linux'},
    client: {ip: '203.0.113.9', nested: {depth: 2, list: [1, 'two', {three: 3}], flag: true, none: null}},
    user: {id: 'u-42', email: 'buyer@example.com'},
    sdk: {name: 'crashlog.js', version: '0.1.0', integrations: ['dedupe', 'breadcrumbs']},
    ...overrides,
  })
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected the promise to reject')
}

async function expectDuplicate(promise: Promise<unknown>, field: string): Promise<void> {
  const err = await rejection(promise)
  expect(err, String(err)).to.be.instanceOf(DuplicateKeyError)
  expect((err as DuplicateKeyError).field).to.equal(field)
}

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms))

describeEachEngine('Store contract', (engine) => {
  let store: Store

  beforeEach(async function () {
    store = await openTestStore(engine)
  })

  afterEach(async function () {
    await store?.close()
  })

  describe('lifecycle', () => {
    it('reports its engine and a display URL', () => {
      expect(store.engine).to.equal(engine.name)
      expect(store.displayUrl).to.be.a('string').and.not.equal('')
    })

    it('answers ping', async () => {
      await store.ping()
    })

    it('init is idempotent and keeps the data', async () => {
      const user = await store.createUser(newUser())
      await store.init()
      await store.init()
      expect(await store.findUserById(user.id)).to.deep.equal(user)
    })

    it('keeps data across close and reopen', async () => {
      const url = engine.newDatabaseUrl()
      const first = await openStore(url)
      const user = await first.createUser(newUser())
      await first.close()
      const second = await openStore(url)
      try {
        expect(await second.findUserById(user.id)).to.deep.equal(user)
      } finally {
        await second.close()
      }
    })
  })

  describe('users', () => {
    it('creates a user with an id and timestamps, and finds it by id and email', async () => {
      const input = newUser({role: 'admin'})
      const before = Date.now()
      const user = await store.createUser(input)
      expect(user.id).to.be.a('string').and.not.equal('')
      expect(user).to.include({
        name: input.name,
        email: input.email,
        passwordHash: input.passwordHash,
        role: 'admin',
      })
      expect(user.createdAt).to.be.instanceOf(Date)
      expect(user.updatedAt).to.be.instanceOf(Date)
      expect(user.createdAt.getTime()).to.be.within(before - 1000, Date.now() + 1000)
      expect(await store.findUserById(user.id)).to.deep.equal(user)
      expect(await store.findUserByEmail(input.email)).to.deep.equal(user)
    })

    it('returns null for unknown ids and emails', async () => {
      expect(await store.findUserById('no-such-user')).to.equal(null)
      expect(await store.findUserByEmail('nobody@example.com')).to.equal(null)
    })

    it('rejects a duplicate email with DuplicateKeyError(email)', async () => {
      const input = newUser()
      await store.createUser(input)
      await expectDuplicate(store.createUser(newUser({email: input.email})), 'email')
      expect(await store.countUsers()).to.equal(1)
    })

    it('lists and counts users', async () => {
      expect(await store.listUsers()).to.deep.equal([])
      expect(await store.countUsers()).to.equal(0)
      const a = await store.createUser(newUser({name: 'A'}))
      await tick()
      const b = await store.createUser(newUser({name: 'B'}))
      await tick()
      const c = await store.createUser(newUser({name: 'C'}))
      expect(await store.listUsers()).to.deep.equal([a, b, c])
      expect(await store.countUsers()).to.equal(3)
    })
  })

  describe('projects', () => {
    let ownerId: string

    beforeEach(async () => {
      ownerId = (await store.createUser(newUser())).id
    })

    it('creates a project with a positive integer id and timestamps', async () => {
      const input = newProject(ownerId)
      const project = await store.createProject(input)
      expect(Number.isInteger(project.id)).to.equal(true)
      expect(project.id).to.be.greaterThan(0)
      expect(project).to.include({...input, rateLimit: null})
      expect(project.createdAt).to.be.instanceOf(Date)
      expect(project.updatedAt).to.be.instanceOf(Date)
      expect(project.keyRotatedAt).to.be.instanceOf(Date)
      expect(await store.findProjectById(project.id)).to.deep.equal(project)
    })

    it('gives increasing ids and never reuses one after a delete', async () => {
      const first = await store.createProject(newProject(ownerId))
      const second = await store.createProject(newProject(ownerId))
      expect(second.id).to.be.greaterThan(first.id)
      expect(await store.deleteProject(second.id)).to.equal(true)
      const third = await store.createProject(newProject(ownerId))
      expect(third.id).to.be.greaterThan(second.id)
      expect(await store.deleteProject(first.id)).to.equal(true)
      expect(await store.deleteProject(third.id)).to.equal(true)
      const fourth = await store.createProject(newProject(ownerId))
      expect(fourth.id).to.be.greaterThan(third.id)
    })

    it('rejects a duplicate slug with DuplicateKeyError(slug)', async () => {
      const existing = await store.createProject(newProject(ownerId))
      await expectDuplicate(store.createProject(newProject(ownerId, {slug: existing.slug})), 'slug')
      expect(await store.listProjects()).to.have.length(1)
    })

    it('rejects a duplicate key hash with DuplicateKeyError(keyHash)', async () => {
      const existing = await store.createProject(newProject(ownerId))
      await expectDuplicate(store.createProject(newProject(ownerId, {keyHash: existing.keyHash})), 'keyHash')
      expect(await store.listProjects()).to.have.length(1)
      // A failed create does not make the next id collide with an existing one.
      const next = await store.createProject(newProject(ownerId))
      expect(next.id).to.be.greaterThan(existing.id)
    })

    it('finds a project by id, slug and key hash', async () => {
      const project = await store.createProject(newProject(ownerId))
      await store.createProject(newProject(ownerId))
      expect(await store.findProjectById(project.id)).to.deep.equal(project)
      expect(await store.findProjectBySlug(project.slug)).to.deep.equal(project)
      expect(await store.findProjectByKeyHash(project.keyHash)).to.deep.equal(project)
      expect(await store.findProjectById(project.id + 1000)).to.equal(null)
      expect(await store.findProjectBySlug('no-such-slug')).to.equal(null)
      expect(await store.findProjectByKeyHash('0'.repeat(64))).to.equal(null)
    })

    it('lists projects ordered by id, all or by owner', async () => {
      const otherId = (await store.createUser(newUser())).id
      const a = await store.createProject(newProject(ownerId))
      const b = await store.createProject(newProject(otherId))
      const c = await store.createProject(newProject(ownerId))
      expect(await store.listProjects()).to.deep.equal([a, b, c])
      expect(await store.listProjects({})).to.deep.equal([a, b, c])
      expect(await store.listProjects({ownerId})).to.deep.equal([a, c])
      expect(await store.listProjects({ownerId: otherId})).to.deep.equal([b])
      expect(await store.listProjects({ownerId: 'nobody'})).to.deep.equal([])
    })

    it('updates only the patched fields, including rateLimit', async () => {
      const project = await store.createProject(newProject(ownerId))
      await tick()
      const renamed = await store.updateProject(project.id, {name: 'Renamed'})
      expect(renamed).to.not.equal(null)
      expect(renamed!.name).to.equal('Renamed')
      expect(renamed!.description).to.equal(project.description)
      expect(renamed!.slug).to.equal(project.slug)
      expect(renamed!.rateLimit).to.equal(null)
      expect(renamed!.createdAt).to.deep.equal(project.createdAt)
      expect(renamed!.keyRotatedAt).to.deep.equal(project.keyRotatedAt)
      expect(renamed!.updatedAt.getTime()).to.be.greaterThan(project.updatedAt.getTime())
      expect(await store.findProjectById(project.id)).to.deep.equal(renamed)

      const limited = await store.updateProject(project.id, {rateLimit: 120, description: '', slug: 'new-slug'})
      expect(limited).to.include({rateLimit: 120, description: '', slug: 'new-slug', name: 'Renamed'})
      expect(await store.findProjectBySlug('new-slug')).to.deep.equal(limited)
      expect(await store.findProjectBySlug(project.slug)).to.equal(null)

      const unlimited = await store.updateProject(project.id, {rateLimit: null})
      expect(unlimited!.rateLimit).to.equal(null)
      expect(unlimited!.slug).to.equal('new-slug')
      expect(await store.findProjectById(project.id)).to.deep.equal(unlimited)
    })

    it('rejects an update to a taken slug with DuplicateKeyError(slug) and changes nothing', async () => {
      const a = await store.createProject(newProject(ownerId))
      const b = await store.createProject(newProject(ownerId))
      await expectDuplicate(store.updateProject(b.id, {slug: a.slug, name: 'X'}), 'slug')
      expect(await store.findProjectById(b.id)).to.deep.equal(b)
      // Setting a project's own slug again is not a conflict.
      const same = await store.updateProject(a.id, {slug: a.slug})
      expect(same!.slug).to.equal(a.slug)
    })

    it('lets exactly one of two concurrent creates or updates take a slug', async () => {
      const slug = unique('contested')
      const created = await Promise.allSettled([
        store.createProject(newProject(ownerId, {slug})),
        store.createProject(newProject(ownerId, {slug})),
      ])
      expect(created.filter((r) => r.status === 'fulfilled')).to.have.length(1)
      const lost = created.find((r) => r.status === 'rejected') as PromiseRejectedResult
      expect(lost.reason).to.be.instanceOf(DuplicateKeyError)
      expect((lost.reason as DuplicateKeyError).field).to.equal('slug')

      const a = await store.createProject(newProject(ownerId))
      const b = await store.createProject(newProject(ownerId))
      const next = unique('next')
      const updated = await Promise.allSettled([
        store.updateProject(a.id, {slug: next}),
        store.updateProject(b.id, {slug: next}),
      ])
      expect(updated.filter((r) => r.status === 'fulfilled')).to.have.length(1)
      const lostUpdate = updated.find((r) => r.status === 'rejected') as PromiseRejectedResult
      expect(lostUpdate.reason, String(lostUpdate.reason)).to.be.instanceOf(DuplicateKeyError)
      expect((lostUpdate.reason as DuplicateKeyError).field).to.equal('slug')
    })

    it('returns null when updating or rotating an unknown project', async () => {
      expect(await store.updateProject(999_999, {name: 'x'})).to.equal(null)
      expect(await store.rotateProjectKey(999_999, 'a'.repeat(64), 'aaaaaaaa')).to.equal(null)
    })

    it('rotates the key: new hash and prefix, new keyRotatedAt, old hash no longer found', async () => {
      const project = await store.createProject(newProject(ownerId))
      await tick()
      const hash = randomBytes(32).toString('hex')
      const rotated = await store.rotateProjectKey(project.id, hash, hash.slice(0, 8))
      expect(rotated).to.not.equal(null)
      expect(rotated!.keyHash).to.equal(hash)
      expect(rotated!.keyPrefix).to.equal(hash.slice(0, 8))
      expect(rotated!.keyRotatedAt.getTime()).to.be.greaterThan(project.keyRotatedAt.getTime())
      expect(rotated!.updatedAt.getTime()).to.be.greaterThan(project.updatedAt.getTime())
      expect(rotated!.createdAt).to.deep.equal(project.createdAt)
      expect(rotated).to.include({id: project.id, slug: project.slug, name: project.name})
      expect(await store.findProjectByKeyHash(project.keyHash)).to.equal(null)
      expect(await store.findProjectByKeyHash(hash)).to.deep.equal(rotated)
    })

    it('rejects rotating to a key hash another project has', async () => {
      const a = await store.createProject(newProject(ownerId))
      const b = await store.createProject(newProject(ownerId))
      await expectDuplicate(store.rotateProjectKey(b.id, a.keyHash, a.keyPrefix), 'keyHash')
      expect(await store.findProjectById(b.id)).to.deep.equal(b)
    })

    it('deletes a project with its events, leaving other projects alone', async () => {
      const doomed = await store.createProject(newProject(ownerId))
      const kept = await store.createProject(newProject(ownerId))
      const doomedEvents = [minimalEvent(doomed.id), minimalEvent(doomed.id)]
      const keptEvent = minimalEvent(kept.id)
      await store.insertEvents([...doomedEvents, keptEvent])

      expect(await store.deleteProject(doomed.id)).to.equal(true)
      expect(await store.findProjectById(doomed.id)).to.equal(null)
      expect(await store.findProjectBySlug(doomed.slug)).to.equal(null)
      expect(await store.findProjectByKeyHash(doomed.keyHash)).to.equal(null)
      expect(await store.countEvents(doomed.id)).to.equal(0)
      expect(await store.listEvents(doomed.id, {limit: 10})).to.deep.equal([])
      expect(await store.findEvent(doomed.id, doomedEvents[0]!.id)).to.equal(null)

      expect(await store.findProjectById(kept.id)).to.deep.equal(kept)
      expect(await store.countEvents(kept.id)).to.equal(1)
      expect(await store.findEvent(kept.id, keptEvent.id)).to.deep.equal(keptEvent)

      expect(await store.deleteProject(doomed.id)).to.equal(false)
      expect(await store.deleteProject(999_999)).to.equal(false)
    })

    it('frees the slug and key hash of a deleted project', async () => {
      const project = await store.createProject(newProject(ownerId))
      await store.deleteProject(project.id)
      const again = await store.createProject(newProject(ownerId, {slug: project.slug, keyHash: project.keyHash}))
      expect(again.id).to.be.greaterThan(project.id)
    })
  })

  describe('events', () => {
    let projectId: number
    let otherProjectId: number

    beforeEach(async () => {
      const ownerId = (await store.createUser(newUser())).id
      projectId = (await store.createProject(newProject(ownerId))).id
      otherProjectId = (await store.createProject(newProject(ownerId))).id
    })

    it('round-trips every field, nested objects, tags and Dates', async () => {
      const full = fullEvent(projectId)
      const minimal = minimalEvent(projectId)
      await store.insertEvents([full, minimal])
      const foundFull = await store.findEvent(projectId, full.id)
      expect(foundFull).to.deep.equal(full)
      expect(foundFull!.timestamp).to.be.instanceOf(Date)
      expect(foundFull!.receivedAt).to.be.instanceOf(Date)
      // Absent optional fields stay absent (not null, not undefined keys).
      const foundMinimal = await store.findEvent(projectId, minimal.id)
      expect(foundMinimal).to.deep.equal(minimal)
      expect(Object.keys(foundMinimal!).sort()).to.deep.equal(Object.keys(minimal).sort())
    })

    it('round-trips keys and values that MongoDB-compatible servers treat specially', async () => {
      const event = fullEvent(projectId, {
        tags: {'os.name': 'Linux', $where: 'x', 'a%2Eb': 'literal percent', '%24': 'y', '': 'empty key'},
        client: {
          'dotted.key': {'deeper.still': [[1, 2], ['three', [4]]], $op: {'%a': 'not a marker'}},
          list: [{'%a': [1]}, [], [[]]],
          unicode: 'Grüße 👋',
          zero: 0,
          big: 2 ** 40,
          fraction: 0.5,
        },
      })
      await store.insertEvents([event])
      expect(await store.findEvent(projectId, event.id)).to.deep.equal(event)
      expect(await store.listEvents(projectId, {limit: 1})).to.deep.equal([event])
    })

    it('inserts many events in one call', async () => {
      const events = Array.from({length: 250}, (_, i) =>
        minimalEvent(projectId, {timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i))}),
      )
      await store.insertEvents(events)
      expect(await store.countEvents(projectId)).to.equal(250)
      for (const event of [events[0]!, events[137]!, events[249]!]) {
        expect(await store.findEvent(projectId, event.id)).to.deep.equal(event)
      }
    })

    it('accepts an empty batch', async () => {
      await store.insertEvents([])
      expect(await store.countEvents(projectId)).to.equal(0)
    })

    it('skips an event id that exists (stored once, first version kept), writing the rest of the batch', async () => {
      const event = minimalEvent(projectId)
      await store.insertEvents([event])
      const fresh = minimalEvent(projectId)
      await store.insertEvents([{...event, message: 'again'}, fresh, {...fresh}])
      expect(await store.findEvent(projectId, event.id)).to.deep.equal(event)
      expect(await store.findEvent(projectId, fresh.id)).to.deep.equal(fresh)
      expect(await store.countEvents(projectId)).to.equal(2)
    })

    it('lists newest first (timestamp, then id) with a limit', async () => {
      const t = (s: number): Date => new Date(Date.UTC(2024, 4, 1, 12, 0, s))
      const events = [
        minimalEvent(projectId, {id: 'a-1', timestamp: t(1)}),
        minimalEvent(projectId, {id: 'a-3', timestamp: t(3)}),
        minimalEvent(projectId, {id: 'b-3', timestamp: t(3)}),
        minimalEvent(projectId, {id: 'a-2', timestamp: t(2)}),
        minimalEvent(projectId, {id: 'a-4', timestamp: t(4)}),
      ]
      await store.insertEvents(events)
      await store.insertEvents([minimalEvent(otherProjectId, {id: 'z-9', timestamp: t(9)})])

      const all = await store.listEvents(projectId, {limit: 100})
      expect(all.map((e) => e.id)).to.deep.equal(['a-4', 'b-3', 'a-3', 'a-2', 'a-1'])
      expect(all[0]).to.deep.equal(events[4])
      const top2 = await store.listEvents(projectId, {limit: 2})
      expect(top2.map((e) => e.id)).to.deep.equal(['a-4', 'b-3'])
      expect(await store.listEvents(projectId, {limit: 0})).to.deep.equal([])
    })

    it('counts events per project', async () => {
      await store.insertEvents([minimalEvent(projectId), minimalEvent(projectId), minimalEvent(otherProjectId)])
      expect(await store.countEvents(projectId)).to.equal(2)
      expect(await store.countEvents(otherProjectId)).to.equal(1)
      expect(await store.countEvents(999_999)).to.equal(0)
    })

    it('does not show the events of another project', async () => {
      const mine = minimalEvent(projectId)
      const theirs = minimalEvent(otherProjectId)
      await store.insertEvents([mine, theirs])
      expect(await store.findEvent(otherProjectId, mine.id)).to.equal(null)
      expect(await store.findEvent(projectId, theirs.id)).to.equal(null)
      expect((await store.listEvents(projectId, {limit: 10})).map((e) => e.id)).to.deep.equal([mine.id])
      expect(await store.findEvent(projectId, 'no-such-event')).to.equal(null)
    })
  })

  describe('issues and counters', () => {
    let projectId: number
    let otherProjectId: number
    const at = (minute: number, second = 0): Date => new Date(Date.UTC(2024, 4, 1, 12, minute, second))

    beforeEach(async () => {
      const ownerId = (await store.createUser(newUser())).id
      projectId = (await store.createProject(newProject(ownerId))).id
      otherProjectId = (await store.createProject(newProject(ownerId))).id
    })

    it('groups events by fingerprint: count, first/last seen, first type and message, latest level', async () => {
      const fp = 'fp-a'
      const id = issueIdOf(projectId, fp)
      await store.insertEvents([
        minimalEvent(projectId, {fingerprint: fp, timestamp: at(2), level: 'error', message: 'second'}),
        minimalEvent(projectId, {fingerprint: fp, timestamp: at(1), level: 'warning', message: 'first', type: 'RangeError'}),
        minimalEvent(projectId, {fingerprint: 'fp-b', timestamp: at(5)}),
      ])
      const issue = await store.findIssue(projectId, id)
      expect(issue).to.deep.equal({
        id,
        projectId,
        fingerprint: fp,
        type: 'RangeError',
        message: 'first',
        level: 'error',
        status: 'unresolved',
        count: 2,
        firstSeen: at(1),
        lastSeen: at(2),
      })

      // An older event: counted, firstSeen moves, the latest level stays.
      await store.insertEvents([minimalEvent(projectId, {fingerprint: fp, timestamp: at(0), level: 'fatal', message: 'older'})])
      expect(await store.findIssue(projectId, id)).to.deep.include({count: 3, firstSeen: at(0), lastSeen: at(2), level: 'error', message: 'first'})

      // A newer event: its level becomes the issue's.
      await store.insertEvents([minimalEvent(projectId, {fingerprint: fp, timestamp: at(3), level: 'info'})])
      expect(await store.findIssue(projectId, id)).to.deep.include({count: 4, firstSeen: at(0), lastSeen: at(3), level: 'info'})

      expect((await store.findIssue(projectId, issueIdOf(projectId, 'fp-b')))!.count).to.equal(1)
      expect(await store.findIssue(projectId, 'no-such-issue')).to.equal(null)
    })

    it('reopens a resolved issue on a new event; an ignored one stays ignored', async () => {
      await store.insertEvents([minimalEvent(projectId, {fingerprint: 'r'}), minimalEvent(projectId, {fingerprint: 'i'})])
      const resolved = await store.setIssueStatus(projectId, issueIdOf(projectId, 'r'), 'resolved')
      expect(resolved).to.deep.include({id: issueIdOf(projectId, 'r'), status: 'resolved', count: 1})
      const ignored = await store.setIssueStatus(projectId, issueIdOf(projectId, 'i'), 'ignored')
      expect(ignored!.status).to.equal('ignored')
      expect(await store.findIssue(projectId, issueIdOf(projectId, 'r'))).to.deep.equal(resolved)

      await store.insertEvents([minimalEvent(projectId, {fingerprint: 'r'}), minimalEvent(projectId, {fingerprint: 'i'})])
      expect(await store.findIssue(projectId, issueIdOf(projectId, 'r'))).to.deep.include({status: 'unresolved', count: 2})
      expect(await store.findIssue(projectId, issueIdOf(projectId, 'i'))).to.deep.include({status: 'ignored', count: 2})
    })

    it('keeps issues per project', async () => {
      await store.insertEvents([minimalEvent(projectId, {fingerprint: 'same'}), minimalEvent(otherProjectId, {fingerprint: 'same'})])
      const mine = issueIdOf(projectId, 'same')
      expect(await store.findIssue(otherProjectId, mine)).to.equal(null)
      expect(await store.setIssueStatus(otherProjectId, mine, 'resolved')).to.equal(null)
      expect(await store.setIssueStatus(projectId, 'no-such-issue', 'resolved')).to.equal(null)
      expect((await store.listIssues(otherProjectId, {limit: 10})).map((i) => i.id)).to.deep.equal([
        issueIdOf(otherProjectId, 'same'),
      ])
    })

    it('lists issues most recently seen first, with a limit', async () => {
      await store.insertEvents([
        minimalEvent(projectId, {fingerprint: 'old', timestamp: at(1)}),
        minimalEvent(projectId, {fingerprint: 'new', timestamp: at(9)}),
        minimalEvent(projectId, {fingerprint: 'mid', timestamp: at(5)}),
      ])
      await store.insertEvents([minimalEvent(projectId, {fingerprint: 'old', timestamp: at(7)})])
      const ids = (fps: string[]): string[] => fps.map((fp) => issueIdOf(projectId, fp))
      expect((await store.listIssues(projectId, {limit: 10})).map((i) => i.id)).to.deep.equal(ids(['new', 'old', 'mid']))
      expect((await store.listIssues(projectId, {limit: 2})).map((i) => i.id)).to.deep.equal(ids(['new', 'old']))
      expect(await store.listIssues(projectId, {limit: 0})).to.deep.equal([])
      expect(await store.listIssues(999_999, {limit: 10})).to.deep.equal([])
    })

    it('counts events per minute of receipt, for minutes in [from, to)', async () => {
      await store.insertEvents([
        minimalEvent(projectId, {receivedAt: at(1, 5)}),
        minimalEvent(projectId, {receivedAt: at(1, 59)}),
        minimalEvent(projectId, {receivedAt: at(3, 0)}),
        minimalEvent(otherProjectId, {receivedAt: at(1, 10)}),
      ])
      await store.insertEvents([minimalEvent(projectId, {receivedAt: at(3, 30)}), minimalEvent(projectId, {receivedAt: at(4, 0)})])
      expect(await store.countEventsByMinute(projectId, at(0), at(10))).to.deep.equal([
        {minute: at(1), count: 2},
        {minute: at(3), count: 2},
        {minute: at(4), count: 1},
      ])
      expect(await store.countEventsByMinute(projectId, at(3), at(4))).to.deep.equal([{minute: at(3), count: 2}])
      expect(await store.countEventsByMinute(otherProjectId, at(0), at(10))).to.deep.equal([{minute: at(1), count: 1}])

      // The same counters summed per interval, aligned to whole intervals since the epoch.
      const twoMinutes = 120_000
      const aligned = (d: Date): Date => new Date(d.getTime() - (d.getTime() % twoMinutes))
      const expected = new Map<number, number>()
      for (const [minute, count] of [[at(1), 2], [at(3), 2], [at(4), 1]] as [Date, number][]) {
        const start = aligned(minute).getTime()
        expected.set(start, (expected.get(start) ?? 0) + count)
      }
      expect(await store.countEventsByInterval(projectId, twoMinutes, at(0), at(10))).to.deep.equal(
        [...expected].sort((a, b) => a[0] - b[0]).map(([start, count]) => ({start: new Date(start), count})),
      )
      expect(await store.countEventsByInterval(projectId, 60_000, at(3), at(4))).to.deep.equal([{start: at(3), count: 2}])
      expect(await store.countEventsByInterval(projectId, 3_600_000, at(5), at(10))).to.deep.equal([])
      expect(await store.countEventsByInterval(otherProjectId, 86_400_000, at(0), at(10))).to.deep.equal([{start: new Date(at(1).getTime() - (at(1).getTime() % 86_400_000)), count: 1}])
    })

    it('keeps exact totals under concurrent writers', async () => {
      const batches = Array.from({length: 20}, (_, b) =>
        Array.from({length: 5}, (_, i) =>
          minimalEvent(projectId, {fingerprint: 'hot', timestamp: at(b % 10, i), receivedAt: at(30, b)}),
        ),
      )
      await Promise.all(batches.map((batch) => store.insertEvents(batch)))
      const issue = await store.findIssue(projectId, issueIdOf(projectId, 'hot'))
      expect(issue).to.deep.include({count: 100, firstSeen: at(0, 0), lastSeen: at(9, 4)})
      expect(await store.countEvents(projectId)).to.equal(100)
      expect(await store.countEventsByMinute(projectId, at(30), at(31))).to.deep.equal([{minute: at(30), count: 100}])
    })

    it('does not count an event whose id already exists', async () => {
      const event = minimalEvent(projectId, {fingerprint: 'dup'})
      await store.insertEvents([event])
      await store.insertEvents([event])
      await store.insertEvents([event, event])
      expect((await store.findIssue(projectId, event.issueId))!.count).to.equal(1)
    })

    it('deletes a project with its issues and counters', async () => {
      await store.insertEvents([minimalEvent(projectId, {fingerprint: 'x', receivedAt: at(1)}), minimalEvent(otherProjectId, {fingerprint: 'x', receivedAt: at(1)})])
      expect(await store.deleteProject(projectId)).to.equal(true)
      expect(await store.findIssue(projectId, issueIdOf(projectId, 'x'))).to.equal(null)
      expect(await store.listIssues(projectId, {limit: 10})).to.deep.equal([])
      expect(await store.countEventsByMinute(projectId, at(0), at(10))).to.deep.equal([])
      expect((await store.findIssue(otherProjectId, issueIdOf(otherProjectId, 'x')))!.count).to.equal(1)
      expect(await store.countEventsByMinute(otherProjectId, at(0), at(10))).to.have.length(1)
    })

    it('deletes events received before a cutoff, oldest first, in batches; totals stay', async () => {
      const old = Array.from({length: 5}, (_, i) => minimalEvent(i % 2 ? projectId : otherProjectId, {receivedAt: at(i)}))
      const recent = [minimalEvent(projectId, {receivedAt: at(20)}), minimalEvent(otherProjectId, {receivedAt: at(10)})]
      await store.insertEvents([...recent, ...old])
      const cutoff = at(10)

      expect(await store.deleteEventsBefore(cutoff, 3)).to.equal(3)
      for (const event of old.slice(0, 3)) expect(await store.findEvent(event.projectId, event.id)).to.equal(null)
      expect(await store.findEvent(old[3]!.projectId, old[3]!.id)).to.not.equal(null)
      expect(await store.deleteEventsBefore(cutoff, 3)).to.equal(2)
      expect(await store.deleteEventsBefore(cutoff, 3)).to.equal(0)
      expect(await store.deleteEventsBefore(cutoff, 0)).to.equal(0)

      for (const event of recent) expect(await store.findEvent(event.projectId, event.id)).to.deep.equal(event)
      expect(await store.countEvents(projectId) + (await store.countEvents(otherProjectId))).to.equal(2)
      // Totals are history: retention does not rewrite them.
      expect((await store.findIssue(projectId, issueIdOf(projectId, 'fp-default')))!.count).to.equal(3)
      expect((await store.findIssue(otherProjectId, issueIdOf(otherProjectId, 'fp-default')))!.count).to.equal(4)
      const minutes = await store.countEventsByMinute(projectId, at(0), at(30))
      expect(minutes.reduce((sum, m) => sum + m.count, 0)).to.equal(3)
    })

    it('RetentionJob deletes every event older than the retention, batch by batch, and keeps the rest', async () => {
      const now = new Date()
      const day = 86_400_000
      const old = Array.from({length: 250}, (_, i) => minimalEvent(i % 2 ? projectId : otherProjectId, {receivedAt: new Date(now.getTime() - 31 * day - i * 1000)}))
      const kept = Array.from({length: 5}, (_, i) => minimalEvent(projectId, {receivedAt: new Date(now.getTime() - 29 * day + i)}))
      await store.insertEvents([...old, ...kept])
      const lines: string[] = []
      const job = new RetentionJob(store, 30, (line) => lines.push(line))
      expect(await job.runOnce(now)).to.equal(250)
      expect(await store.countEvents(projectId) + (await store.countEvents(otherProjectId))).to.equal(5)
      for (const event of kept) expect(await store.findEvent(event.projectId, event.id)).to.not.equal(null)
      expect((await store.findIssue(projectId, issueIdOf(projectId, 'fp-default')))!.count).to.equal(130)
      expect(await job.runOnce(now)).to.equal(0)
      await job.stop()
    })
  })

  describe('rate limiter', () => {
    it('allows `points` per window, then rejects with the time to wait', async () => {
      const limiter = store.createRateLimiter({keyPrefix: unique('test'), points: 3, durationSeconds: 60})
      const first = await limiter.consume('p1', 2)
      expect(first.remainingPoints).to.equal(1)
      expect((await limiter.consume('p1', 1)).remainingPoints).to.equal(0)
      const err = await rejection(limiter.consume('p1', 1))
      expect(err).to.be.instanceOf(RateLimiterRes)
      expect((err as RateLimiterRes).msBeforeNext).to.be.within(1, 60_000)
      // Keys are separate budgets.
      expect((await limiter.consume('p2', 3)).remainingPoints).to.equal(0)
    })

    it('shares the budget between stores on the same MongoDB database, keeps it per process on SQLite', async () => {
      const url = engine.newDatabaseUrl()
      const a = await openStore(url)
      const b = await openStore(url)
      try {
        const options = {keyPrefix: 'shared', points: 4, durationSeconds: 60}
        const la = a.createRateLimiter(options)
        const lb = b.createRateLimiter(options)
        await la.consume('p', 3)
        if (engine.name === 'mongodb') {
          expect((await lb.consume('p', 1)).remainingPoints).to.equal(0)
          expect(await rejection(la.consume('p', 1))).to.be.instanceOf(RateLimiterRes)
        } else {
          expect((await lb.consume('p', 1)).remainingPoints).to.equal(3)
        }
      } finally {
        await a.close()
        await b.close()
      }
    })
  })

  describe('settings', () => {
    it('returns null for a missing key', async () => {
      expect(await store.getSetting('jwt_secret')).to.equal(null)
    })

    it('keeps the first value set', async () => {
      expect(await store.setSettingIfAbsent('jwt_secret', 'first')).to.equal('first')
      expect(await store.setSettingIfAbsent('jwt_secret', 'second')).to.equal('first')
      expect(await store.getSetting('jwt_secret')).to.equal('first')
      expect(await store.getSetting('other')).to.equal(null)
    })

    it('has exactly one winner among concurrent first writers', async () => {
      const candidates = Array.from({length: 10}, (_, i) => `value-${i}`)
      const results = await Promise.all(candidates.map((v) => store.setSettingIfAbsent('instance_id', v)))
      const winner = results[0]!
      expect(candidates).to.include(winner)
      expect(results).to.deep.equal(Array(10).fill(winner))
      expect(await store.getSetting('instance_id')).to.equal(winner)
    })
  })
})

describe('openStore', () => {
  it('rejects an unknown scheme with a ConfigError naming the --db value', async () => {
    const err = await rejection(openStore('postgres://admin:pw@db.example.com/crashlog'))
    expect(err).to.be.instanceOf(ConfigError)
    expect((err as Error).message).to.contain('--db').and.contain('postgres://admin:***@db.example.com/crashlog')
    expect((err as Error).message).to.not.contain(':pw@')
  })

  it('displayDbUrl removes passwords', () => {
    expect(displayDbUrl('mongodb://app:s3cr%40t@db1:27017,db2:27017/crashlog?replicaSet=rs0')).to.equal(
      'mongodb://app:***@db1:27017,db2:27017/crashlog?replicaSet=rs0',
    )
    expect(displayDbUrl('mongodb+srv://app@cluster0.example.net/crashlog')).to.equal(
      'mongodb+srv://app@cluster0.example.net/crashlog',
    )
    expect(displayDbUrl('mongodb://127.0.0.1:27017')).to.equal('mongodb://127.0.0.1:27017')
    expect(displayDbUrl('sqlite:./crashlog-data/crashlog.db')).to.equal('sqlite:./crashlog-data/crashlog.db')
  })

  describe('an unreachable MongoDB', function () {
    const url = 'mongodb://crashlog:hunter2@127.0.0.1:1/crashlog'

    it('makes openStore reject with StoreUnavailableError within about 1 s', async () => {
      const started = Date.now()
      const err = await rejection(openStore(url))
      expect(Date.now() - started).to.be.below(2000)
      expect(err, String(err)).to.be.instanceOf(StoreUnavailableError)
      const message = (err as Error).message
      expect(message).to.contain('127.0.0.1:1')
      expect(message).to.contain('connection refused')
      expect(message).to.not.contain('hunter2')
    })

    it('makes ping reject with StoreUnavailableError within about 1 s', async () => {
      const store = new MongoStore(url)
      try {
        const started = Date.now()
        const err = await rejection(store.ping())
        expect(Date.now() - started).to.be.below(2000)
        expect(err, String(err)).to.be.instanceOf(StoreUnavailableError)
        expect((err as Error).message).to.contain('127.0.0.1:1').and.not.contain('hunter2')
        expect(store.displayUrl).to.not.contain('hunter2')
      } finally {
        await store.close()
      }
    })
  })
})

describe('an unreachable MongoDB, on the ingestion path', function () {
  const url = 'mongodb://127.0.0.1:1/crashlog'

  it('makes insertEvents and findProjectByKeyHash reject with StoreUnavailableError within about 1 s', async () => {
    const store = new MongoStore(url)
    try {
      for (const op of [() => store.insertEvents([minimalEvent(1)]), () => store.findProjectByKeyHash('0'.repeat(64))]) {
        const started = Date.now()
        const err = await rejection(op())
        expect(Date.now() - started).to.be.below(2000)
        expect(err, String(err)).to.be.instanceOf(StoreUnavailableError)
      }
    } finally {
      await store.close()
    }
  })

  it('lets the rate limiter count in memory, without waiting for the database', async () => {
    const store = new MongoStore(url)
    try {
      const limiter = store.createRateLimiter({keyPrefix: unique('down'), points: 2, durationSeconds: 60})
      let started = Date.now()
      expect((await limiter.consume('p', 1)).remainingPoints).to.equal(1)
      // The first call finds out (in at most a fraction of a second); the store then knows.
      expect(Date.now() - started).to.be.below(1000)
      await rejection(store.ping())
      started = Date.now()
      expect((await limiter.consume('p', 1)).remainingPoints).to.equal(0)
      expect(await rejection(limiter.consume('p', 1))).to.be.instanceOf(RateLimiterRes)
      expect(Date.now() - started).to.be.below(100)
    } finally {
      await store.close()
    }
  })
})

/**
 * A 2 ms timer while it runs: how often it fired and its longest delay. A write that
 * waited synchronously (the old 5 s busy_timeout) would starve it for the whole wait.
 */
function watchEventLoop(): {stop(): {ticks: number; worst: number}} {
  let last = performance.now()
  let worst = 0
  let ticks = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - 2)
    last = now
    ticks++
  }, 2)
  return {
    stop() {
      clearInterval(timer)
      return {ticks, worst: Math.round(worst)}
    },
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

describe('SQLite engine: locks held by other connections, and checkpoints', function () {
  const sqlite = ENGINES.find((e) => e.name === 'sqlite')!
  let url: string
  let path: string
  let store: SqliteStore
  let other: Database.Database

  beforeEach(async () => {
    url = sqlite.newDatabaseUrl()
    path = sqlitePathFromUrl(url)
    store = new SqliteStore(url)
    await store.init()
    other = new Database(path)
  })

  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK')
    other.close()
    await store.close()
  })

  it('fails a write with StoreUnavailableError after about 1 s of another connection holding the lock, without blocking the event loop', async () => {
    const user = await store.createUser(newUser())
    other.exec('BEGIN EXCLUSIVE')
    const loop = watchEventLoop()
    const started = Date.now()
    const err = await rejection(store.insertEvents([minimalEvent(1)]))
    const elapsed = Date.now() - started
    const loopStats = loop.stop()
    expect(err, String(err)).to.be.instanceOf(StoreUnavailableError)
    expect((err as Error).message).to.contain('locked by another process')
    expect(elapsed).to.be.within(900, 2000)
    // Each attempt sleeps 2 ms (busy_timeout) at most; idle, the worst delay is under 10 ms.
    // The bounds leave room for a loaded CI machine and still fail a synchronous wait.
    expect(loopStats.worst, 'worst event-loop delay (ms)').to.be.below(250)
    expect(loopStats.ticks, 'timer ticks during the wait').to.be.above(50)
    // Readers are not blocked by a writer (WAL).
    expect(await store.findUserById(user.id)).to.deep.equal(user)
    expect(await store.countEvents(1)).to.equal(0)
  })

  it('fails every write path the same way: users, projects, settings, issues, retention', async () => {
    const owner = await store.createUser(newUser())
    const project = await store.createProject(newProject(owner.id))
    other.exec('BEGIN EXCLUSIVE')
    const writes: Array<() => Promise<unknown>> = [
      () => store.createUser(newUser()),
      () => store.createProject(newProject(owner.id)),
      () => store.updateProject(project.id, {name: 'x'}),
      () => store.rotateProjectKey(project.id, 'f'.repeat(64), 'ffff'),
      () => store.setIssueStatus(project.id, 'iss', 'resolved'),
      () => store.setSettingIfAbsent('k', 'v'),
      () => store.deleteEventsBefore(new Date(), 10),
      () => store.deleteProject(project.id),
    ]
    for (const write of writes) expect(await rejection(write())).to.be.instanceOf(StoreUnavailableError)
    other.exec('ROLLBACK')
    expect((await store.findProjectById(project.id))?.name).to.equal(project.name)
  })

  it('waits for a lock released within the second, then writes', async () => {
    other.exec('BEGIN EXCLUSIVE')
    setTimeout(() => other.exec('ROLLBACK'), 300)
    const started = Date.now()
    await store.insertEvents([minimalEvent(1)])
    expect(Date.now() - started).to.be.within(250, 1000)
    expect(await store.countEvents(1)).to.equal(1)
  })

  it('fails at once while a lock has been held for longer than the wait, and writes again once it is released', async () => {
    other.exec('BEGIN EXCLUSIVE')
    await rejection(store.insertEvents([minimalEvent(1)]))
    // The lock is still held: later writes (the group commit's next batches) do not each wait another second.
    const started = Date.now()
    expect(await rejection(store.insertEvents([minimalEvent(1)]))).to.be.instanceOf(StoreUnavailableError)
    expect(Date.now() - started).to.be.below(100)
    other.exec('ROLLBACK')
    await store.insertEvents([minimalEvent(1)])
    expect(await store.countEvents(1)).to.equal(1)
  })

  it('makes ping report a database locked for writing, and answer again once it is free', async () => {
    await store.ping()
    other.exec('BEGIN EXCLUSIVE')
    const started = Date.now()
    expect(await rejection(store.ping())).to.be.instanceOf(StoreUnavailableError)
    expect(Date.now() - started).to.be.below(2000)
    other.exec('ROLLBACK')
    await store.ping()
  })

  it('checkpoints in a worker thread: commits do not, the worker copies them into the database file and truncates a large WAL', async function () {
    this.timeout(30_000)
    await store.close()
    // A worker that never gets to run within the test: the request connection alone does not checkpoint.
    const idle = new SqliteStore(url, {checkpointer: {intervalMs: 60_000}})
    await idle.init()
    const big = (): ErrorEvent[] => Array.from({length: 200}, () => minimalEvent(1, {message: 'x'.repeat(5000)}))
    try {
      for (let i = 0; i < 8; i++) await idle.insertEvents(big())
      // SQLite's own autocheckpoint would have recycled the WAL at 1,000 pages (about 4 MB).
      expect(fileSize(`${path}-wal`)).to.be.above(6 * 1024 * 1024)
    } finally {
      await idle.close()
    }
    // Closing (the last connection) checkpoints what is left and removes the WAL.
    expect(fileSize(`${path}-wal`)).to.equal(0)

    store = new SqliteStore(url, {checkpointer: {intervalMs: 50, truncateBytes: 0}})
    await store.init()
    const before = fileSize(path)
    await store.insertEvents(big())
    // The worker starts one interval after the first write.
    expect(store.checkpointerRunning).to.equal(false)
    expect(fileSize(`${path}-wal`)).to.be.above(0)
    const deadline = Date.now() + 10_000
    while (fileSize(`${path}-wal`) > 0 && Date.now() < deadline) await tick(20)
    expect(fileSize(`${path}-wal`), 'WAL truncated by the worker').to.equal(0)
    expect(store.checkpointerRunning).to.equal(true)
    expect(fileSize(path)).to.be.above(before)
    expect(await store.countEvents(1)).to.equal(1800)
    await store.close()
    expect(store.checkpointerRunning).to.equal(false)
  })
})

describe('SQLite engine: events written by the writer thread', function () {
  const sqlite = ENGINES.find((e) => e.name === 'sqlite')!
  let url: string
  let store: SqliteStore

  /** A store whose writer thread runs: it starts right after the first insertEvents. */
  async function withWriter(): Promise<SqliteStore> {
    const s = new SqliteStore(url, {writer: {startDelayMs: 0}})
    await s.init()
    expect(s.writerRunning).to.equal(false)
    await s.insertEvents([minimalEvent(99)])
    const deadline = Date.now() + 10_000
    while (!s.writerRunning && Date.now() < deadline) await tick(10)
    expect(s.writerRunning, 'the writer thread started').to.equal(true)
    return s
  }

  beforeEach(async () => {
    url = sqlite.newDatabaseUrl()
    store = await withWriter()
  })

  afterEach(async () => {
    await store.close()
  })

  it('stores events as the store connection would: read back equal, terms, issues and counters', async () => {
    const events = [fullEvent(1), fullEvent(1, {tags: {feature: 'search'}}), minimalEvent(1, {fingerprint: 'fp-b'})]
    await store.insertEvents(events)
    expect(store.writerRunning).to.equal(true)
    for (const e of events) expect(await store.findEvent(1, e.id)).to.deep.equal(e)
    const tagged = await store.queryEvents({projectId: 1, tags: [{key: 'feature', value: 'search'}]}, {limit: 10, order: 'desc'})
    expect(tagged.map((e) => e.id)).to.deep.equal([events[1].id])
    expect((await store.queryEvents({projectId: 1, release: ['shop@1.2.3'], browser: ['Firefox']}, {limit: 10, order: 'desc'})).length).to.equal(2)
    expect((await store.findIssue(1, 'iss-1'))!.count).to.equal(2)
    expect((await store.findIssue(1, issueIdOf(1, 'fp-b')))!.count).to.equal(1)
    expect(await store.countEventsByMinute(1, new Date('2024-05-01T09:00:00Z'), new Date('2024-05-01T11:00:00Z'))).to.deep.equal([
      {minute: new Date('2024-05-01T10:00:00Z'), count: 3},
    ])
  })

  it('answers only once committed, skips ids already stored without counting them, and merges batches sent together', async () => {
    const first = Array.from({length: 20}, () => minimalEvent(1))
    await store.insertEvents(first)
    // Another connection sees them as soon as the promise resolves.
    const other = new Database(sqlitePathFromUrl(url), {readonly: true})
    try {
      expect((other.prepare('SELECT count(*) AS n FROM errors WHERE project_id = 1').get() as {n: number}).n).to.equal(20)
    } finally {
      other.close()
    }
    // Batches in flight together (the group commit sends several): resent ids are skipped.
    const batches = [first.slice(0, 5), Array.from({length: 30}, () => minimalEvent(1)), [...first.slice(10), minimalEvent(1)]]
    await Promise.all(batches.map((b) => store.insertEvents(b)))
    expect(await store.countEvents(1)).to.equal(51)
    expect((await store.findIssue(1, issueIdOf(1, 'fp-default')))!.count).to.equal(51)
  })

  it('fails with StoreUnavailableError after about 1 s of another connection holding the lock, without blocking the event loop, and writes once it is free', async () => {
    const other = new Database(sqlitePathFromUrl(url))
    try {
      other.exec('BEGIN EXCLUSIVE')
      const loop = watchEventLoop()
      const started = Date.now()
      const err = await rejection(store.insertEvents([minimalEvent(1)]))
      const elapsed = Date.now() - started
      const loopStats = loop.stop()
      expect(err, String(err)).to.be.instanceOf(StoreUnavailableError)
      expect((err as Error).message).to.contain('locked by another process')
      expect(elapsed).to.be.within(900, 2000)
      expect(loopStats.worst, 'worst event-loop delay (ms)').to.be.below(250)
      // Still held: the next write fails at once.
      const again = Date.now()
      expect(await rejection(store.insertEvents([minimalEvent(1)]))).to.be.instanceOf(StoreUnavailableError)
      expect(Date.now() - again).to.be.below(100)
      other.exec('ROLLBACK')
      await store.insertEvents([minimalEvent(1)])
      expect(await store.countEvents(1)).to.equal(1)
      expect(store.writerRunning).to.equal(true)
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK')
      other.close()
    }
  })

  it('writes every batch in flight before close() returns, then stops the thread', async () => {
    const pending = Array.from({length: 10}, () => store.insertEvents(Array.from({length: 50}, () => minimalEvent(1))))
    const closing = store.close()
    await Promise.all(pending)
    await closing
    expect(store.writerRunning).to.equal(false)
    store = new SqliteStore(url, {writer: false})
    await store.init()
    expect(await store.countEvents(1)).to.equal(500)
  })
})

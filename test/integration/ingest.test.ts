import {expect} from 'chai'
import {describeEachEngine} from '../support/engines.js'
import {client, signup, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

describeEachEngine('HTTP ingestion: POST /log-error', (engine) => {
  let server: TestServer
  let api: Client
  let projectId: number
  let apiKey: string

  before(async () => {
    server = await startTestServer(engine)
    api = client(server.url)
    const {token} = await signup(api, 'ingest')
    const res = await api.post('/projects', {name: 'Ingest'}, {token})
    projectId = res.body.project.id
    apiKey = res.body.apiKey
  })
  after(async () => server?.close())

  it('stores a full error and answers 202 with its id', async () => {
    const body = {
      message: 'Cannot read properties of undefined',
      type: 'TypeError',
      stack: 'TypeError: Cannot read properties of undefined\n    at checkout (app.js:10:5)',
      tags: {checkout: 'step 2', region: 'eu'},
      timestamp: '2026-01-02T03:04:05.678Z',
      level: 'warning',
      environment: 'production',
      release: '1.2.3',
      url: 'https://shop.example.com/cart',
      browser: {name: 'Firefox', version: '140'},
      client: {appVersion: '3.1', screen: {w: 390, h: 844}},
      user: {id: 'u-1', email: 'ada@example.com'},
      fingerprint: 'checkout-undefined',
    }
    const res = await api.post('/log-error', body, {apiKey})
    expect(res.status).to.equal(202)
    expect(res.body.id).to.match(/^[0-9a-f]{32}$/)
    const stored = await server.store.findEvent(projectId, res.body.id)
    expect(stored).to.not.equal(null)
    expect(stored!.projectId).to.equal(projectId)
    expect(stored!.receivedAt).to.be.instanceOf(Date)
    expect(stored!.timestamp.toISOString()).to.equal(body.timestamp)
    expect(stored).to.deep.include({
      message: body.message, type: 'TypeError', stack: body.stack, tags: body.tags, level: 'warning',
      environment: 'production', release: '1.2.3', url: body.url, browser: body.browser, client: body.client, user: body.user,
    })
    expect(stored!.fingerprint).to.match(/^[0-9a-f]{32}$/)
    expect(stored!.frames[0]).to.deep.include({function: 'checkout', file: 'app.js', line: 10, column: 5})
  })

  it('fills defaults for a minimal error', async () => {
    const before = Date.now()
    const res = await api.post('/log-error', {message: 'just a message'}, {apiKey})
    expect(res.status).to.equal(202)
    const stored = (await server.store.findEvent(projectId, res.body.id))!
    expect(stored.level).to.equal('error')
    expect(stored.type).to.equal('Error')
    expect(stored.tags).to.deep.equal({})
    expect(stored.timestamp.getTime()).to.be.at.least(before - 1000)
  })

  it('answers a missing and an unknown key with the same 401', async () => {
    const missing = await api.post('/log-error', {message: 'x'})
    const unknown = await api.post('/log-error', {message: 'x'}, {apiKey: 'clk_notakey'})
    expect(missing.status).to.equal(401)
    expect(unknown.status).to.equal(401)
    expect(missing.body).to.deep.equal(unknown.body)
  })

  it('rejects invalid bodies with 400 and the field paths, storing nothing', async () => {
    const count = await server.store.countEvents(projectId)
    const res = await api.post('/log-error', {type: 5, level: 'loud', tags: {a: 1}, extra: true}, {apiKey})
    expect(res.status).to.equal(400)
    const paths = res.body.error.details.map((d: {path: string}) => d.path)
    expect(paths).to.include.members(['message', 'type', 'level', 'tags.a', 'extra'])
    expect((await api.post('/log-error', [], {apiKey})).status).to.equal(400)
    expect((await api.post('/log-error', {message: 'x', timestamp: 'yesterday'}, {apiKey})).status).to.equal(400)
    expect(await server.store.countEvents(projectId)).to.equal(count)
  })

  it('enforces the field limits: message 8 KiB, stack 64 KiB, 50 tags, tag key 64 and value 256', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{message: 'é'.repeat(4097)}, 'message'],
      [{message: 'm', stack: 'x'.repeat(64 * 1024 + 1)}, 'stack'],
      [{message: 'm', tags: Object.fromEntries(Array.from({length: 51}, (_, i) => [`t${i}`, 'v']))}, 'tags'],
      [{message: 'm', tags: {['k'.repeat(65)]: 'v'}}, 'tags'],
      [{message: 'm', tags: {k: 'v'.repeat(257)}}, 'tags.k'],
    ]
    for (const [body, path] of cases) {
      const res = await api.post('/log-error', body, {apiKey})
      expect(res.status, path).to.equal(400)
      expect(res.body.error.details.map((d: {path: string}) => d.path), path).to.include(path)
    }
    const atLimit = await api.post('/log-error', {message: 'é'.repeat(4096), tags: Object.fromEntries(Array.from({length: 50}, (_, i) => [`t${i}`, 'v']))}, {apiKey})
    expect(atLimit.status).to.equal(202)
  })

  it('answers 413 for a body over 256 KiB, 415 for a non-JSON type, 400 for malformed JSON', async () => {
    const big = await api.post('/log-error', {message: 'm', client: {blob: 'x'.repeat(300 * 1024)}}, {apiKey})
    expect(big.status).to.equal(413)
    expect(big.body.error.code).to.equal('payload_too_large')
    const text = await api.post('/log-error', undefined, {apiKey, raw: 'oops', headers: {'content-type': 'text/plain'}})
    expect(text.status).to.equal(415)
    const broken = await api.post('/log-error', undefined, {apiKey, raw: '{"message": ', headers: {'content-type': 'application/json'}})
    expect(broken.status).to.equal(400)
  })

  it('keeps $ and . keys from reaching the database as operators or paths, and strips control characters', async () => {
    const res = await api.post('/log-error', {
      message: 'bad\u0000 \u001b[31mred\u001b[0m\nline two',
      type: 'Evil\u0007Error',
      stack: 'Evil\u0007Error: bad\n    at f\u0000n (https://shop.example.com/app.js:1:2)',
      tags: {'a.b': 'x\u0000y', $where: '1'},
      user: {$ne: '', 'profile.name': 'p', nested: {$gt: {'x.y': 1}}},
    }, {apiKey})
    expect(res.status).to.equal(202)
    const stored = (await server.store.findEvent(projectId, res.body.id))!
    expect(stored.message).to.equal('bad [31mred[0m\nline two')
    expect(stored.type).to.equal('EvilError')
    expect(stored.stack).to.equal('EvilError: bad\n    at fn (https://shop.example.com/app.js:1:2)')
    expect(stored.frames[0]).to.include({function: 'fn'})
    expect(stored.tags).to.deep.equal({a_b: 'xy', _where: '1'})
    expect(stored.user).to.deep.equal({_ne: '', profile_name: 'p', nested: {_gt: {x_y: 1}}})
  })

  it('stores exactly 500 of 500 concurrent ingests', async function () {
    this.timeout(120_000)
    const {token} = await signup(api, 'burst')
    const created = await api.post('/projects', {name: 'Burst'}, {token})
    const burstKey = created.body.apiKey as string
    const replies = await Promise.all(Array.from({length: 500}, (_, i) => api.post('/log-error', {message: `burst ${i}`}, {apiKey: burstKey})))
    expect(replies.map((r) => r.status).filter((s) => s !== 202)).to.deep.equal([])
    expect(new Set(replies.map((r) => r.body.id)).size).to.equal(500)
    expect(await server.store.countEvents(created.body.project.id)).to.equal(500)
  })
})

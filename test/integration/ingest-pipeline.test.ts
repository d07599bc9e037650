import {expect} from 'chai'
import {deflateSync, gzipSync} from 'node:zlib'
import {request as httpRequest} from 'node:http'
import {describeEachEngine} from '../support/engines.js'
import {client, signup, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

const stackAt = (line: number, fn = 'renderCart') => `TypeError: Cannot read properties of undefined
    at ${fn} (https://shop.example.com/app.js:${line}:17)
    at checkout (https://shop.example.com/app.js:${line + 40}:5)`

describeEachEngine('Ingestion pipeline: batches, compression, grouping, scrubbing, limits', (engine) => {
  let server: TestServer
  let api: Client
  let token: string

  before(async () => {
    // No key cache: the rate-limit test changes a project behind the server's back.
    server = await startTestServer(engine, {'rate-limit': '1000000', 'batch-limit': '100', 'key-cache': '0'})
    api = client(server.url)
    token = (await signup(api, 'pipeline')).token
  })
  after(async () => server?.close())

  async function newProject(name: string) {
    const res = await api.post('/projects', {name}, {token})
    return {id: res.body.project.id as number, key: res.body.apiKey as string}
  }

  it('accepts a batch and answers with every id', async () => {
    const p = await newProject('Batch')
    const res = await api.post('/log-error', Array.from({length: 100}, (_, i) => ({message: `batch ${i}`})), {apiKey: p.key})
    expect(res.status).to.equal(202)
    expect(res.body.ids).to.have.length(100)
    expect(await server.store.countEvents(p.id)).to.equal(100)
    const one = await server.store.findEvent(p.id, res.body.ids[42])
    expect(one!.message).to.equal('batch 42')
  })

  it('rejects a whole batch for one bad element, naming its index, and stores nothing', async () => {
    const p = await newProject('Bad batch')
    const body = [{message: 'ok'}, {message: 'ok'}, {message: 'ok'}, {level: 'nope'}]
    const res = await api.post('/log-error', body, {apiKey: p.key})
    expect(res.status).to.equal(400)
    const paths = res.body.error.details.map((d: {path: string}) => d.path)
    expect(paths).to.include.members(['[3].message', '[3].level'])
    const tooMany = await api.post('/log-error', Array.from({length: 101}, () => ({message: 'x'})), {apiKey: p.key})
    expect(tooMany.status).to.equal(400)
    expect((await api.post('/log-error', [], {apiKey: p.key})).status).to.equal(400)
    expect(await server.store.countEvents(p.id)).to.equal(0)
  })

  it('accepts gzip and deflate bodies', async () => {
    const p = await newProject('Compressed')
    const headers = {'content-type': 'application/json'}
    const gz = await api.post('/log-error', undefined, {apiKey: p.key, raw: gzipSync(JSON.stringify({message: 'gzipped'})), headers: {...headers, 'content-encoding': 'gzip'}})
    expect(gz.status, gz.text).to.equal(202)
    const df = await api.post('/log-error', undefined, {apiKey: p.key, raw: deflateSync(JSON.stringify([{message: 'deflated'}])), headers: {...headers, 'content-encoding': 'deflate'}})
    expect(df.status, df.text).to.equal(202)
    expect((await server.store.findEvent(p.id, gz.body.id))!.message).to.equal('gzipped')
    expect((await server.store.findEvent(p.id, df.body.ids[0]))!.message).to.equal('deflated')
    const broken = await api.post('/log-error', undefined, {apiKey: p.key, raw: Buffer.from('not gzip at all'), headers: {...headers, 'content-encoding': 'gzip'}})
    expect(broken.status).to.equal(400)
    const unknown = await api.post('/log-error', undefined, {apiKey: p.key, raw: '{}', headers: {...headers, 'content-encoding': 'zstd'}})
    expect(unknown.status).to.equal(415)
  })

  it('refuses a compression bomb with 413 without inflating it into memory', async () => {
    const p = await newProject('Bomb')
    // 64 MiB of one repeated character: ~64 KiB compressed, far past the 256 KiB cap.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"message":"'), Buffer.alloc(64 * 1024 * 1024, 'a'), Buffer.from('"}')]))
    const rssBefore = process.memoryUsage().rss
    const res = await api.post('/log-error', undefined, {apiKey: p.key, raw: bomb, headers: {'content-type': 'application/json', 'content-encoding': 'gzip'}})
    expect(res.status).to.equal(413)
    // The server runs in this process: had it inflated the body, RSS would jump by ~64 MiB+.
    expect(process.memoryUsage().rss - rssBefore).to.be.below(48 * 1024 * 1024)
  })

  it('answers 413 early for a declared Content-Length over the limit', async () => {
    const p = await newProject('Too big')
    const res = await api.post('/log-error', {message: 'x'.repeat(300 * 1024)}, {apiKey: p.key})
    expect(res.status).to.equal(413)
  })

  it('groups: the same error twice is one issue with count 2; other line numbers group too; another top frame does not', async () => {
    const p = await newProject('Grouping')
    const a = await api.post('/log-error', {message: 'order 17 failed', type: 'TypeError', stack: stackAt(10)}, {apiKey: p.key})
    const b = await api.post('/log-error', {message: 'order 18 failed', type: 'TypeError', stack: stackAt(10)}, {apiKey: p.key})
    const c = await api.post('/log-error', {message: 'order 19 failed', type: 'TypeError', stack: stackAt(99)}, {apiKey: p.key})
    const d = await api.post('/log-error', {message: 'order 20 failed', type: 'TypeError', stack: stackAt(10, 'renderList')}, {apiKey: p.key})
    const [ea, eb, ec, ed] = await Promise.all([a, b, c, d].map((r) => server.store.findEvent(p.id, r.body.id)))
    expect(ea!.issueId).to.equal(eb!.issueId).and.equal(ec!.issueId)
    expect(ed!.issueId).to.not.equal(ea!.issueId)
    expect(ea!.frames[0]).to.include({function: 'renderCart', line: 10, inApp: true})
    const issue = await server.store.findIssue(p.id, ea!.issueId)
    expect(issue).to.include({count: 3, status: 'unresolved', type: 'TypeError', message: 'order 17 failed'})
    expect(issue!.firstSeen.getTime()).to.be.at.most(issue!.lastSeen.getTime())
    const issues = await server.store.listIssues(p.id, {limit: 10})
    expect(issues).to.have.length(2)
  })

  it('keeps firstSeen, lastSeen and level, and reopens a resolved issue on a new event', async () => {
    const p = await newProject('Reopen')
    const first = await api.post('/log-error', {message: 'boom', fingerprint: 'f1', level: 'warning', timestamp: '2026-01-01T00:00:00.000Z'}, {apiKey: p.key})
    const ev = (await server.store.findEvent(p.id, first.body.id))!
    await server.store.setIssueStatus(p.id, ev.issueId, 'resolved')
    await api.post('/log-error', {message: 'boom again', fingerprint: 'f1', level: 'fatal', timestamp: '2026-02-01T00:00:00.000Z'}, {apiKey: p.key})
    const issue = (await server.store.findIssue(p.id, ev.issueId))!
    expect(issue).to.include({status: 'unresolved', count: 2, level: 'fatal'})
    expect(issue.firstSeen.toISOString()).to.equal('2026-01-01T00:00:00.000Z')
    expect(issue.lastSeen.toISOString()).to.equal('2026-02-01T00:00:00.000Z')
    await server.store.setIssueStatus(p.id, ev.issueId, 'ignored')
    await api.post('/log-error', {message: 'boom 3', fingerprint: 'f1'}, {apiKey: p.key})
    expect((await server.store.findIssue(p.id, ev.issueId))!.status).to.equal('ignored')
  })

  it('counts 200 concurrent events of one fingerprint into one issue with count 200', async function () {
    this.timeout(60_000)
    const p = await newProject('Concurrent')
    const replies = await Promise.all(Array.from({length: 200}, (_, i) => api.post('/log-error', {message: `same ${i}`, fingerprint: 'hot'}, {apiKey: p.key})))
    expect(replies.every((r) => r.status === 202)).to.equal(true)
    const issues = await server.store.listIssues(p.id, {limit: 10})
    expect(issues).to.have.length(1)
    expect(issues[0].count).to.equal(200)
    const minutes = await server.store.countEventsByMinute(p.id, new Date(Date.now() - 3_600_000), new Date(Date.now() + 60_000))
    expect(minutes.reduce((sum, m) => sum + m.count, 0)).to.equal(200)
  })

  it('scrubs secrets and card numbers before storage', async () => {
    const p = await newProject('Scrub')
    const res = await api.post('/log-error', {
      message: 'payment failed for 4111 1111 1111 1111',
      tags: {session_id: 'abc123', page: 'cart'},
      user: {id: 'u1', password: 'hunter2', note: 'card 5500-0000-0000-0004'},
      client: {headers: {Authorization: 'Bearer sekrit', 'X-API-KEY': 'clk_leak'}, cookie: 'sid=1'},
      url: 'https://shop.example.com/cb?access_token=tok123&step=2',
    }, {apiKey: p.key})
    expect(res.status).to.equal(202)
    const stored = (await server.store.findEvent(p.id, res.body.id))!
    const json = JSON.stringify(stored)
    for (const secret of ['4111 1111 1111 1111', 'abc123', 'hunter2', '5500-0000-0000-0004', 'sekrit', 'clk_leak', 'sid=1', 'tok123']) {
      expect(json).to.not.include(secret)
    }
    expect(stored.tags).to.deep.equal({session_id: '[Filtered]', page: 'cart'})
    expect(stored.user).to.deep.include({id: 'u1', password: '[Filtered]'})
    expect(stored.url).to.include('step=2')
  })

  it('rate limits per project with 429 and headers, leaving other projects alone, and honours an override', async () => {
    const limited = await newProject('Limited')
    const other = await newProject('Other')
    await server.store.updateProject(limited.id, {rateLimit: 5})
    const ok = await api.post('/log-error', Array.from({length: 5}, () => ({message: 'x'})), {apiKey: limited.key})
    expect(ok.status).to.equal(202)
    expect(ok.headers.get('x-ratelimit-limit')).to.equal('5')
    expect(ok.headers.get('x-ratelimit-remaining')).to.equal('0')
    const over = await api.post('/log-error', {message: 'one too many'}, {apiKey: limited.key})
    expect(over.status).to.equal(429)
    expect(Number(over.headers.get('retry-after'))).to.be.within(1, 60)
    expect(over.headers.get('x-ratelimit-limit')).to.equal('5')
    expect(over.headers.get('x-ratelimit-remaining')).to.equal('0')
    expect(Number(over.headers.get('x-ratelimit-reset'))).to.be.within(1, 60)
    expect(await server.store.countEvents(limited.id)).to.equal(5)
    expect((await api.post('/log-error', {message: 'fine'}, {apiKey: other.key})).status).to.equal(202)
  })

  it('answers CORS preflights for browser clients', async () => {
    const res = await fetch(`${server.url}/log-error`, {method: 'OPTIONS', headers: {origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key'}})
    expect(res.status).to.equal(204)
    expect(res.headers.get('access-control-allow-origin')).to.equal('*')
    expect(res.headers.get('access-control-allow-headers')!.toLowerCase()).to.include('x-api-key')
  })

  it('answers a client that sends a body in chunks (no Content-Length)', async () => {
    const p = await newProject('Chunked')
    const url = new URL(`${server.url}/log-error`)
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: {'content-type': 'application/json', 'x-api-key': p.key}}, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
      req.on('error', reject)
      req.write('{"message": ')
      setTimeout(() => req.end('"chunked"}'), 20)
    })
    expect(status).to.equal(202)
  })
})

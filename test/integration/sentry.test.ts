import {expect} from 'chai'
import * as Sentry from '@sentry/node'
import {brotliCompressSync, deflateSync, gzipSync} from 'node:zlib'
import {describeEachEngine} from '../support/engines.js'
import {client, signup, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

/** A Sentry client of its own (no global init, no instrumentation), as an app would configure it. */
function sentryScope(dsn: string): {scope: Sentry.Scope; client: Sentry.NodeClient} {
  const sentryClient = new Sentry.NodeClient({
    dsn,
    release: 'shop@2.4.0',
    environment: 'production',
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [],
    sendClientReports: false,
  })
  const scope = new Sentry.Scope()
  scope.setClient(sentryClient)
  sentryClient.init()
  return {scope, client: sentryClient}
}

function failCheckout(orderId: number): never {
  throw new TypeError(`Cannot read properties of undefined (reading 'total') for order ${orderId}`)
}

describeEachEngine('Sentry SDK compatibility (store and envelope endpoints)', (engine) => {
  let server: TestServer
  let api: Client
  let token: string

  before(async () => {
    server = await startTestServer(engine, {'rate-limit': '1000000'})
    api = client(server.url)
    token = (await signup(api, 'sentry')).token
  })
  after(async () => server?.close())

  async function newProject(name: string) {
    const res = await api.post('/projects', {name}, {token})
    expect(res.status).to.equal(201)
    return {id: res.body.project.id as number, key: res.body.apiKey as string, dsn: res.body.dsn as string, template: res.body.project.dsnTemplate as string}
  }
  const envelopeUrl = (id: number, key?: string) => `${server.url}/api/${id}/envelope/${key ? `?sentry_key=${key}` : ''}`
  const errorsOf = async (id: number) => (await api.get(`/projects/${id}/errors?limit=200`, {token})).body.errors as any[]

  it('shows the DSN: real in create/rotate answers, a template on the project', async () => {
    const p = await newProject('Dsn')
    const url = new URL(server.url)
    expect(p.dsn).to.equal(`http://${p.key}@${url.host}/${p.id}`)
    expect(p.template).to.equal(`http://API_KEY@${url.host}/${p.id}`)
  })

  it('receives exceptions and messages from @sentry/node with tags, user, release and environment, grouped', async function () {
    this.timeout(30_000)
    const p = await newProject('Node app')
    const {scope, client: sentryClient} = sentryScope(p.dsn)
    scope.setTag('checkout', 'step 2')
    scope.setUser({id: 'u-42', email: 'ada@example.com'})
    for (const orderId of [17, 18]) {
      try {
        failCheckout(orderId)
      } catch (err) {
        scope.captureException(err)
      }
    }
    scope.captureMessage('Payment provider slow', 'warning')
    expect(await sentryClient.flush(10_000)).to.equal(true)

    const errors = await errorsOf(p.id)
    expect(errors).to.have.length(3)
    const exceptions = errors.filter((e) => e.type === 'TypeError')
    expect(exceptions).to.have.length(2)
    const ex = exceptions[0]
    expect(ex.message).to.match(/^Cannot read properties of undefined \(reading 'total'\) for order 1[78]$/)
    expect(ex).to.deep.include({release: 'shop@2.4.0', environment: 'production', level: 'error', platform: 'node'})
    expect(ex.tags).to.deep.include({checkout: 'step 2'})
    expect(ex.user).to.deep.include({id: 'u-42', email: 'ada@example.com'})
    expect(ex.sdk.name).to.equal('sentry.javascript.node')
    expect(ex.frames[0]).to.deep.include({function: 'failCheckout', inApp: true})
    expect(ex.frames[0].file).to.match(/sentry\.test\.js$/)
    expect(ex.stack).to.match(/^TypeError: Cannot read/)
    expect(exceptions[0].issueId).to.equal(exceptions[1].issueId)
    const issue = (await api.get(`/projects/${p.id}/issues/${ex.issueId}`, {token})).body.issue
    expect(issue.count).to.equal(2)
    const message = errors.find((e) => e.type === 'Message')
    expect(message).to.deep.include({message: 'Payment provider slow', level: 'warning'})
  })

  it('accepts hand-written envelopes: with and without length, unknown item types skipped', async () => {
    const p = await newProject('Envelopes')
    const event1 = JSON.stringify({event_id: 'a'.repeat(32), exception: {values: [{type: 'Error', value: 'with length'}]}, tags: [['k', 'v']]})
    const event2 = JSON.stringify({event_id: 'b'.repeat(32), message: 'without length', level: 'info', timestamp: 1767225600.5})
    const session = JSON.stringify({sid: 'x', status: 'ok'})
    const body = [
      JSON.stringify({event_id: 'a'.repeat(32), dsn: p.dsn}),
      JSON.stringify({type: 'session'}),
      session,
      JSON.stringify({type: 'event', length: Buffer.byteLength(event1)}),
      event1,
      JSON.stringify({type: 'attachment', length: 5, filename: 'x.txt'}),
      'ab\ncd',
      JSON.stringify({type: 'event'}),
      event2,
      JSON.stringify({type: 'something_new'}),
      '{}',
    ].join('\n')
    const res = await fetch(envelopeUrl(p.id), {method: 'POST', body, headers: {'content-type': 'application/x-sentry-envelope'}})
    expect(res.status, await res.clone().text()).to.equal(200)
    expect(await res.json()).to.deep.equal({id: 'a'.repeat(32)})
    const errors = await errorsOf(p.id)
    expect(errors.map((e) => e.id).sort()).to.deep.equal(['a'.repeat(32), 'b'.repeat(32)])
    const second = errors.find((e) => e.id === 'b'.repeat(32))
    expect(second).to.deep.include({message: 'without length', type: 'Message', level: 'info', timestamp: '2026-01-01T00:00:00.500Z'})
    expect(errors.find((e) => e.id === 'a'.repeat(32)).tags).to.deep.equal({k: 'v'})
  })

  it('takes the key from sentry_key, X-Sentry-Auth or the DSN, and gzip / deflate / br bodies', async () => {
    const p = await newProject('Keys')
    const envelope = (id: string) => `${JSON.stringify({event_id: id})}\n${JSON.stringify({type: 'event'})}\n${JSON.stringify({event_id: id, message: `m ${id[0]}`})}\n`
    const viaQuery = await fetch(envelopeUrl(p.id, p.key), {method: 'POST', body: gzipSync(envelope('c'.repeat(32))), headers: {'content-encoding': 'gzip'}})
    expect(viaQuery.status).to.equal(200)
    const viaHeader = await fetch(envelopeUrl(p.id), {method: 'POST', body: deflateSync(envelope('d'.repeat(32))), headers: {'content-encoding': 'deflate', 'content-type': 'text/plain', 'x-sentry-auth': `Sentry sentry_version=7, sentry_client=test/1.0, sentry_key=${p.key}`}})
    expect(viaHeader.status).to.equal(200)
    const store = await fetch(`${server.url}/api/${p.id}/store/?sentry_key=${p.key}`, {method: 'POST', body: brotliCompressSync(JSON.stringify({event_id: 'e'.repeat(32), message: 'stored'})), headers: {'content-encoding': 'br', 'content-type': 'application/json'}})
    expect(store.status).to.equal(200)
    expect(await store.json()).to.deep.equal({id: 'e'.repeat(32)})
    expect((await errorsOf(p.id)).map((e) => e.id).sort()).to.deep.equal(['c', 'd', 'e'].map((c) => c.repeat(32)))
  })

  it('refuses a wrong key and a key of another project alike (401), storing nothing', async () => {
    const a = await newProject('A')
    const b = await newProject('B')
    const body = `{}\n{"type":"event"}\n{"message":"x"}\n`
    const wrong = await fetch(envelopeUrl(a.id, 'clk_wrong'), {method: 'POST', body})
    const other = await fetch(envelopeUrl(a.id, b.key), {method: 'POST', body})
    const none = await fetch(envelopeUrl(a.id), {method: 'POST', body})
    expect([wrong.status, other.status, none.status]).to.deep.equal([401, 401, 401])
    expect(await wrong.json()).to.deep.equal(await other.json())
    expect(await errorsOf(a.id)).to.have.length(0)
  })

  it('stores the same event_id once', async () => {
    const p = await newProject('Dupes')
    const body = `{}\n{"type":"event"}\n${JSON.stringify({event_id: 'f'.repeat(32), message: 'once', fingerprint: ['dup']})}\n`
    for (let i = 0; i < 3; i++) expect((await fetch(envelopeUrl(p.id, p.key), {method: 'POST', body})).status).to.equal(200)
    const errors = await errorsOf(p.id)
    expect(errors).to.have.length(1)
    const issue = (await api.get(`/projects/${p.id}/issues/${errors[0].issueId}`, {token})).body.issue
    expect(issue.count).to.equal(1)
  })

  it('answers a malformed envelope with 400 and stores nothing of it', async () => {
    const p = await newProject('Malformed')
    const cases = [
      'not json at all',
      `{}\n{"type":"event","length":500}\n{"message":"short"}`,
      `{}\n{"type":"event"}\n{"message":"fine"}\n{"type":"event"}\n{broken json`,
      `{}\n{"length":2}\n{}`,
    ]
    for (const body of cases) {
      const res = await fetch(envelopeUrl(p.id, p.key), {method: 'POST', body})
      expect(res.status, body).to.equal(400)
    }
    expect(await errorsOf(p.id)).to.have.length(0)
  })

  it('refuses a compression bomb with 413 without inflating it', async () => {
    const p = await newProject('Bomb')
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'))
    const rssBefore = process.memoryUsage().rss
    const res = await fetch(envelopeUrl(p.id, p.key), {method: 'POST', body: bomb, headers: {'content-encoding': 'gzip'}})
    expect(res.status).to.equal(413)
    expect(process.memoryUsage().rss - rssBefore).to.be.below(48 * 1024 * 1024)
  })

  it('rate limits with 429, Retry-After and X-Sentry-Rate-Limits', async () => {
    const p = await newProject('Limited')
    await server.store.updateProject(p.id, {rateLimit: 2})
    // The key cache holds the project as it was before this change behind the server’s back.
    server.services.ingest.forgetProject(p.key)
    const send = () => fetch(envelopeUrl(p.id, p.key), {method: 'POST', body: `{}\n{"type":"event"}\n{"message":"x"}\n`})
    expect((await send()).status).to.equal(200)
    expect((await send()).status).to.equal(200)
    const limited = await send()
    expect(limited.status).to.equal(429)
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60)
    expect(limited.headers.get('x-sentry-rate-limits')).to.match(/^\d+:error;default:project$/)
  })

  it('answers CORS preflights for browser SDKs', async () => {
    const p = await newProject('Cors')
    const res = await fetch(envelopeUrl(p.id, p.key), {method: 'OPTIONS', headers: {origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type'}})
    expect(res.status).to.equal(204)
    expect(res.headers.get('access-control-allow-origin')).to.equal('*')
    const post = await fetch(envelopeUrl(p.id, p.key), {method: 'POST', body: `{}\n{"type":"event"}\n{"message":"x"}\n`, headers: {origin: 'http://app.example'}})
    expect(post.headers.get('access-control-allow-origin')).to.equal('*')
    expect(post.headers.get('access-control-expose-headers')).to.include('X-Sentry-Rate-Limits')
  })
})

// The dashboard's server side over real HTTP, without a browser: the static files and
// their headers, the cookie session, and CSRF protection of cookie-authenticated requests.

import {expect} from 'chai'
import Koa from 'koa'
import {createServer, get} from 'node:http'
import type {AddressInfo} from 'node:net'
import {gunzipSync} from 'node:zlib'
import {csrfTokenFor} from '../../src/http/middleware/session.js'
import {loadUi, uiRoutes} from '../../src/http/routes/ui.js'
import {ENGINES} from '../support/engines.js'
import {client, request, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

const engine = ENGINES[0]

interface Cookie {
  name: string
  value: string
  attributes: string[]
}

function setCookies(headers: Headers): Cookie[] {
  return headers.getSetCookie().map((line) => {
    const [pair, ...attributes] = line.split(';').map((p) => p.trim())
    const eq = pair.indexOf('=')
    return {name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes: attributes.map((a) => a.toLowerCase())}
  })
}

let counter = 0
async function signupWithCookies(api: Client, extraHeaders: Record<string, string> = {}) {
  const email = `cookie-${Date.now()}-${++counter}@example.com`
  const res = await api.post('/signup', {name: 'Cookie', email, password: 'correct horse battery'}, {headers: extraHeaders})
  expect(res.status, res.text).to.equal(201)
  const cookies = setCookies(res.headers)
  const session = cookies.find((c) => c.name === 'crashlog_session')!
  const csrf = cookies.find((c) => c.name === 'crashlog_csrf')!
  return {res, email, session, csrf, cookie: `crashlog_session=${session.value}; crashlog_csrf=${csrf.value}`}
}

describe('Dashboard over HTTP: static files and headers [sqlite]', () => {
  let server: TestServer
  let api: Client
  let indexHtml: string

  before(async function () {
    if (loadUi().index === null) throw new Error('dist/ui is missing: run `npm run build` (it builds the dashboard) before the tests')
    server = await startTestServer(engine)
    api = client(server.url)
  })
  after(async () => server?.close())

  it('serves index.html at / with a strict CSP and the other security headers, never cached', async () => {
    const res = await api.get('/', {headers: {accept: 'text/html'}})
    expect(res.status).to.equal(200)
    expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).to.include("script-src 'self'").and.include("frame-ancestors 'none'").and.include("default-src 'none'").and.include("object-src 'none'")
    expect(csp).not.to.include('unsafe-inline')
    expect(csp).not.to.include('unsafe-eval')
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff')
    expect(res.headers.get('x-frame-options')).to.equal('DENY')
    expect(res.headers.get('referrer-policy')).to.equal('no-referrer')
    expect(res.headers.get('cache-control')).to.equal('no-cache')
    indexHtml = res.text
    expect(indexHtml).to.match(/<script type="module" src="\/app\/assets\/app-[A-Za-z0-9]+\.js"><\/script>/)
    expect(indexHtml).to.match(/<link rel="stylesheet" href="\/app\/assets\/app-[A-Za-z0-9]+\.css">/)
    // No inline script or style at all: the CSP would refuse them.
    expect(indexHtml).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(indexHtml).not.to.match(/<style|style="/)
  })

  it('serves hashed assets with their content types, a one-year immutable cache, gzip and ETags', async () => {
    const refs = [...indexHtml.matchAll(/(?:src|href)="(\/app\/assets\/[^"]+)"/g)].map((m) => m[1])
    expect(refs.length).to.be.at.least(3)
    const types: Record<string, string> = {js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml'}
    for (const ref of refs) {
      const res = await fetch(server.url + ref)
      const body = Buffer.from(await res.arrayBuffer())
      expect(res.status, ref).to.equal(200)
      expect(res.headers.get('content-type'), ref).to.equal(types[ref.split('.').pop()!])
      expect(res.headers.get('cache-control'), ref).to.equal('public, max-age=31536000, immutable')
      expect(res.headers.get('x-content-type-options'), ref).to.equal('nosniff')
      expect(body.length, ref).to.be.greaterThan(0)
      const etag = res.headers.get('etag')!
      // fetch() adds Cache-Control: no-cache to a conditional request unless told otherwise.
      const again = await fetch(server.url + ref, {headers: {'if-none-match': etag, 'cache-control': 'max-age=0'}})
      expect(again.status, ref).to.equal(304)
    }
    const js = refs.find((r) => r.endsWith('.js'))!
    const raw = await new Promise<{encoding: string | undefined; body: Buffer}>((resolve, reject) => {
      // fetch() would decompress; a plain request shows what was sent.
      get(server.url + js, {headers: {'accept-encoding': 'gzip'}}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({encoding: res.headers['content-encoding'], body: Buffer.concat(chunks)}))
      }).on('error', reject)
    })
    expect(raw.encoding).to.equal('gzip')
    expect(gunzipSync(raw.body).toString('utf8')).to.include('crashlog')
  })

  it('answers any /app/... page with index.html (deep links), and an unknown asset with a 404', async () => {
    for (const path of ['/app', '/app/login', '/app/projects/12/issues/abc123?event=ff']) {
      const res = await api.get(path)
      expect(res.status, path).to.equal(200)
      expect(res.text, path).to.equal(indexHtml)
    }
    const missing = await api.get('/app/assets/app-NOPE.js')
    expect(missing.status).to.equal(404)
    expect(missing.body.error.code).to.equal('not_found')
  })

  it('never shadows the API: API paths answer JSON even when a browser asks for HTML', async () => {
    const projects = await api.get('/projects', {headers: {accept: 'text/html'}})
    expect(projects.status).to.equal(401)
    expect(projects.headers.get('content-type')).to.match(/^application\/json/)
    const health = await api.get('/healthz', {headers: {accept: 'text/html'}})
    expect(health.body).to.deep.equal({status: 'ok'})
    const unknown = await api.get('/nope', {headers: {accept: 'text/html'}})
    expect(unknown.status).to.equal(404)
    expect(unknown.body.error.code).to.equal('not_found')
    expect(unknown.headers.get('content-security-policy')).to.equal("default-src 'none'; frame-ancestors 'none'")
    expect((await api.post('/', {})).status).to.equal(404)
  })

  it('says so, rather than failing obscurely, when the dashboard was not built', async () => {
    const app = new Koa()
    app.use(uiRoutes({dir: null, index: null, assets: new Map()}))
    const http = createServer(app.callback())
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    try {
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`)
      expect(res.status).to.equal(503)
      expect(await res.text()).to.include('npm run build')
    } finally {
      await new Promise((resolve) => http.close(resolve))
    }
  })
})

describe('Dashboard over HTTP: cookie session and CSRF [sqlite]', () => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startTestServer(engine)
    api = client(server.url)
  })
  after(async () => server?.close())

  it('sets an HttpOnly, SameSite=Strict session cookie and a readable CSRF cookie on signup and login; the body keeps the token', async () => {
    const {res, email, session, csrf} = await signupWithCookies(api)
    expect(res.body.token).to.be.a('string')
    expect(session.value).to.equal(res.body.token)
    expect(session.attributes).to.include.members(['httponly', 'samesite=strict', 'path=/'])
    // Persistent for the token's lifetime (an expiry date), not a browser-session cookie.
    expect(session.attributes.some((a) => a.startsWith('max-age=') || a.startsWith('expires='))).to.equal(true)
    expect(session.attributes).not.to.include('secure')
    expect(csrf.attributes).to.include.members(['samesite=strict', 'path=/'])
    expect(csrf.attributes).not.to.include('httponly')
    expect(csrf.value).to.equal(csrfTokenFor(session.value))

    const login = await api.post('/login', {email, password: 'correct horse battery'})
    expect(login.status).to.equal(200)
    const cookies = setCookies(login.headers)
    expect(cookies.find((c) => c.name === 'crashlog_session')?.value).to.equal(login.body.token)
    expect(cookies.find((c) => c.name === 'crashlog_csrf')?.value).to.equal(csrfTokenFor(login.body.token))
  })

  it('authenticates reads by the cookie alone', async () => {
    const {cookie} = await signupWithCookies(api)
    const res = await api.get('/projects', {headers: {cookie}})
    expect(res.status).to.equal(200)
    expect(res.body.projects).to.deep.equal([])
  })

  it('refuses cookie-authenticated changes without the right X-CSRF-Token, or from another site', async () => {
    const {cookie, csrf} = await signupWithCookies(api)
    const create = (headers: Record<string, string>) => api.post('/projects', {name: 'CSRF target'}, {headers: {cookie, ...headers}})

    const missing = await create({})
    expect(missing.status).to.equal(403)
    expect(missing.body.error.code).to.equal('csrf_failed')
    expect((await create({'x-csrf-token': 'wrong'})).status).to.equal(403)
    expect((await create({'x-csrf-token': csrfTokenFor('another session')})).status).to.equal(403)
    expect((await create({'x-csrf-token': csrf.value, origin: 'https://evil.example'})).status).to.equal(403)
    expect((await create({'x-csrf-token': csrf.value, 'sec-fetch-site': 'cross-site'})).status).to.equal(403)
    expect((await create({'x-csrf-token': csrf.value, 'sec-fetch-site': 'same-site'})).status).to.equal(403)

    const ok = await create({'x-csrf-token': csrf.value, origin: server.url, 'sec-fetch-site': 'same-origin'})
    expect(ok.status, ok.text).to.equal(201)
    const id = ok.body.project.id
    expect((await api.put(`/projects/${id}`, {name: 'Renamed'}, {headers: {cookie}})).status).to.equal(403)
    expect((await api.put(`/projects/${id}`, {name: 'Renamed'}, {headers: {cookie, 'x-csrf-token': csrf.value}})).status).to.equal(200)
    expect((await api.patch(`/projects/${id}/api-key`, undefined, {headers: {cookie}})).status).to.equal(403)
    expect((await api.delete(`/projects/${id}`, {headers: {cookie}})).status).to.equal(403)
    expect((await api.delete(`/projects/${id}`, {headers: {cookie, 'x-csrf-token': csrf.value}})).status).to.equal(204)
  })

  it('keeps Bearer tokens working without any CSRF header, and never falls back to the cookie when an Authorization header is sent', async () => {
    const {res, cookie} = await signupWithCookies(api)
    const created = await api.post('/projects', {name: 'Bearer'}, {token: res.body.token})
    expect(created.status).to.equal(201)
    const badHeader = await api.get('/projects', {headers: {cookie, authorization: 'Bearer not-a-token'}})
    expect(badHeader.status).to.equal(401)
  })

  it('GET /session tells who is signed in (cookie or Bearer), and whether signup is open', async () => {
    expect((await api.get('/session')).body).to.deep.equal({user: null, signup: 'open'})
    const {res, cookie, email} = await signupWithCookies(api)
    const byCookie = await api.get('/session', {headers: {cookie}})
    expect(byCookie.body.user.email).to.equal(email)
    expect(byCookie.body.user).not.to.have.property('passwordHash')
    expect((await api.get('/session', {token: res.body.token})).body.user.email).to.equal(email)

    // A lost CSRF cookie comes back with the next /session.
    const refreshed = await api.get('/session', {headers: {cookie: `crashlog_session=${res.body.token}`}})
    expect(setCookies(refreshed.headers).find((c) => c.name === 'crashlog_csrf')?.value).to.equal(csrfTokenFor(res.body.token))

    // A forged or expired cookie is nobody, and is cleared.
    const forged = await api.get('/session', {headers: {cookie: 'crashlog_session=forged.token.value'}})
    expect(forged.status).to.equal(200)
    expect(forged.body.user).to.equal(null)
    const cleared = setCookies(forged.headers).find((c) => c.name === 'crashlog_session')
    expect(cleared?.value).to.equal('')
  })

  it('POST /logout clears both cookies', async () => {
    const {cookie} = await signupWithCookies(api)
    const res = await api.post('/logout', undefined, {headers: {cookie}})
    expect(res.status).to.equal(204)
    const cookies = setCookies(res.headers)
    for (const name of ['crashlog_session', 'crashlog_csrf']) {
      const c = cookies.find((x) => x.name === name)
      expect(c?.value, name).to.equal('')
      expect(c?.attributes.some((a) => a.startsWith('expires=thu, 01 jan 1970')), name).to.equal(true)
    }
  })

  it('refuses login, signup and logout requests made by another site', async () => {
    for (const path of ['/login', '/signup', '/logout']) {
      const res = await request(server.url, 'POST', path, {email: 'x@example.com', password: 'whatever1'}, {headers: {origin: 'https://evil.example'}})
      expect(res.status, path).to.equal(403)
      expect(res.body.error.code, path).to.equal('csrf_failed')
    }
    // Same-origin browsers and plain API clients (no Origin) are fine.
    const {res} = await signupWithCookies(api, {origin: server.url, 'sec-fetch-site': 'same-origin'})
    expect(res.status).to.equal(201)
  })
})

describe('Dashboard over HTTP: cookies behind an HTTPS proxy [sqlite]', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer(engine, {'trust-proxy': 'true'})
  })
  after(async () => server?.close())

  it('marks the cookies Secure when the request came over https (X-Forwarded-Proto, with --trust-proxy)', async () => {
    const {session, csrf} = await signupWithCookies(client(server.url), {'x-forwarded-proto': 'https'})
    expect(session.attributes).to.include('secure')
    expect(csrf.attributes).to.include('secure')
  })
})

describe('Dashboard over HTTP: closed signup [sqlite]', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer(engine, {signup: 'closed'})
  })
  after(async () => server?.close())

  it('tells the dashboard that signup is closed', async () => {
    expect((await client(server.url).get('/session')).body).to.deep.equal({user: null, signup: 'closed'})
  })
})

import {expect} from 'chai'
import {describeEachEngine} from '../support/engines.js'
import {client, signup, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

describeEachEngine('HTTP accounts: /signup and /login', (engine) => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startTestServer(engine, {'login-max-failures': '3', 'login-max-failures-ip': '1000'})
    api = client(server.url)
  })
  after(async () => server?.close())

  it('signs up a member with a lower-cased email and returns a token that works', async () => {
    const res = await api.post('/signup', {name: 'Ada', email: 'Ada@Example.COM', password: 'correct horse battery'})
    expect(res.status).to.equal(201)
    expect(res.body.user).to.include({name: 'Ada', email: 'ada@example.com', role: 'member'})
    expect(res.body.user).to.not.have.property('passwordHash')
    expect(res.text).to.not.include('$2b$')
    const projects = await api.get('/user/projects', {token: res.body.token})
    expect(projects.status).to.equal(200)
    expect(projects.body).to.deep.equal({projects: []})
  })

  it('refuses a second account with the same email, in any case (409)', async () => {
    await api.post('/signup', {name: 'Bo', email: 'bo@example.com', password: 'correct horse battery'})
    const res = await api.post('/signup', {name: 'Bo2', email: 'BO@example.com', password: 'correct horse battery'})
    expect(res.status).to.equal(409)
    expect(res.body.error.code).to.equal('conflict')
  })

  it('validates the signup body and names the fields', async () => {
    const res = await api.post('/signup', {name: '', email: 'not-an-email', password: 'short', role: 'admin'})
    expect(res.status).to.equal(400)
    const paths = res.body.error.details.map((d: {path: string}) => d.path)
    expect(paths).to.include.members(['name', 'email', 'password', 'role'])
  })

  it('rejects an operator object where a string belongs (400, not a query)', async () => {
    const res = await api.post('/login', {email: {$ne: ''}, password: {$ne: ''}})
    expect(res.status).to.equal(400)
    expect(res.body.error.details[0].path).to.equal('email')
  })

  it('answers malformed JSON with 400 and a non-JSON body with 415', async () => {
    const bad = await api.post('/signup', undefined, {raw: '{"name": "x",', headers: {'content-type': 'application/json'}})
    expect(bad.status).to.equal(400)
    expect(bad.body.error.code).to.equal('invalid_json')
    expect(bad.text).to.not.match(/at .*\.js/)
    const form = await api.post('/signup', undefined, {raw: 'name=x', headers: {'content-type': 'application/x-www-form-urlencoded'}})
    expect(form.status).to.equal(415)
  })

  it('logs in; unknown email and wrong password get the same 401', async () => {
    const {email} = await signup(api, 'login')
    const ok = await api.post('/login', {email: email.toUpperCase(), password: 'correct horse battery'})
    expect(ok.status).to.equal(200)
    expect(ok.body.token).to.be.a('string')
    const wrong = await api.post('/login', {email, password: 'wrong password!'})
    const unknown = await api.post('/login', {email: 'nobody@example.com', password: 'wrong password!'})
    expect(wrong.status).to.equal(401)
    expect(unknown.status).to.equal(401)
    expect(wrong.body).to.deep.equal(unknown.body)
  })

  it('slows repeated failed logins for one email with 429 and Retry-After, even for the right password', async () => {
    const {email} = await signup(api, 'limited')
    for (let i = 0; i < 3; i++) expect((await api.post('/login', {email, password: 'wrong password!'})).status).to.equal(401)
    const limited = await api.post('/login', {email, password: 'correct horse battery'})
    expect(limited.status).to.equal(429)
    expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0)
    // Another account is not affected.
    const other = await signup(api, 'other')
    expect((await api.post('/login', {email: other.email, password: 'correct horse battery'})).status).to.equal(200)
  })

  it('refuses tokens that are missing, forged, or signed with another algorithm', async () => {
    expect((await api.get('/projects')).status).to.equal(401)
    expect((await api.get('/projects', {token: 'not.a.jwt'})).status).to.equal(401)
    const {token} = await signup(api, 'forger')
    const [header, payload] = token.split('.')
    const none = Buffer.from(JSON.stringify({alg: 'none', typ: 'JWT'})).toString('base64url')
    expect((await api.get('/projects', {token: `${none}.${payload}.`})).status).to.equal(401)
    expect((await api.get('/projects', {token: `${header}.${payload}.AAAA`})).status).to.equal(401)
  })

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await api.get('/nope')
    expect(res.status).to.equal(404)
    expect(res.body.error.code).to.equal('not_found')
  })
})

describeEachEngine('HTTP accounts with signup closed', (engine) => {
  let server: TestServer

  before(async () => {
    server = await startTestServer(engine, {signup: 'closed'})
  })
  after(async () => server?.close())

  it('refuses /signup with 403 while users made from the CLI side can log in', async () => {
    const api = client(server.url)
    const res = await api.post('/signup', {name: 'Eve', email: 'eve@example.com', password: 'correct horse battery'})
    expect(res.status).to.equal(403)
    await server.services.users.create({name: 'Admin', email: 'admin@example.com', password: 'correct horse battery', role: 'admin'})
    const login = await api.post('/login', {email: 'admin@example.com', password: 'correct horse battery'})
    expect(login.status).to.equal(200)
    expect(login.body.user.role).to.equal('admin')
  })
})

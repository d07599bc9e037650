import {expect} from 'chai'
import {runCli, runCliJson} from '../support/cli.js'
import {describeEachEngine} from '../support/engines.js'
import {client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

const PASSWORD = 'correct horse battery'

describeEachEngine('CLI against the database the server uses', (engine) => {
  let server: TestServer
  let env: Record<string, string>

  before(async () => {
    // No key cache, so a rotation from the CLI (another process) shows at once.
    server = await startTestServer(engine, {'key-cache': '0'})
    env = {CRASHLOG_DB: server.dbUrl, CRASHLOG_BCRYPT_COST: '4'}
  })
  after(async () => server?.close())

  it('creates an admin from the CLI who can then log in over HTTP', async () => {
    const created = await runCliJson(['user', 'create', '--email', 'Root@Example.com', '--name', 'Root', '--admin', '--password-stdin'], {env, input: `${PASSWORD}\n`})
    expect(created).to.include({email: 'root@example.com', role: 'admin'})
    const login = await client(server.url).post('/login', {email: 'root@example.com', password: PASSWORD})
    expect(login.status).to.equal(200)
    const users = await runCliJson(['user', 'list'], {env})
    expect(users.users.map((u: {email: string}) => u.email)).to.include('root@example.com')
    const table = await runCli(['user', 'list'], {env})
    expect(table.stdout).to.match(/EMAIL[\s\S]*root@example\.com/)
  })

  it('creates a project whose printed key ingests through the running server; rotates it; deletes it', async function () {
    // About ten CLI processes in a row: generous on a loaded 2-core machine.
    this.timeout(120_000)
    await runCliJson(['user', 'create', '--email', 'dev@example.com', '--name', 'Dev', '--password-stdin'], {env, input: PASSWORD})
    const human = await runCli(['project', 'create', '--name', 'Shop', '--owner', 'dev@example.com', '--slug', 'shop'], {env})
    expect(human.code, human.stderr).to.equal(0)
    const printedKey = /clk_[0-9a-f]{64}/.exec(human.stdout)?.[0]
    expect(printedKey, human.stdout).to.be.a('string')
    expect(human.stdout).to.include('shown only this once')

    const api = client(server.url)
    expect((await api.post('/log-error', {message: 'from curl'}, {apiKey: printedKey})).status).to.equal(202)

    const shown = await runCliJson(['project', 'show', 'shop'], {env})
    expect(shown.project).to.include({slug: 'shop', name: 'Shop', owner: 'dev@example.com'})
    expect(JSON.stringify(shown)).to.not.include(printedKey!)
    const byId = await runCliJson(['project', 'show', String(shown.project.id)], {env})
    expect(byId.project.id).to.equal(shown.project.id)

    const listed = await runCliJson(['project', 'list', '--owner', 'dev@example.com'], {env})
    expect(listed.projects.map((p: {slug: string}) => p.slug)).to.deep.equal(['shop'])

    const updated = await runCliJson(['project', 'update', 'shop', '--name', 'Web shop', '--description', 'the store'], {env})
    expect(updated.project).to.include({name: 'Web shop', description: 'the store'})

    const rotated = await runCliJson(['key', 'rotate', 'shop'], {env})
    expect(rotated.apiKey).to.match(/^clk_/).and.not.equal(printedKey)
    expect((await api.post('/log-error', {message: 'old key'}, {apiKey: printedKey})).status).to.equal(401)
    expect((await api.post('/log-error', {message: 'new key'}, {apiKey: rotated.apiKey})).status).to.equal(202)
    expect(await server.store.countEvents(shown.project.id)).to.equal(2)

    const refused = await runCli(['project', 'delete', 'shop'], {env})
    expect(refused.code).to.not.equal(0)
    expect(refused.stderr).to.include('--yes')
    expect((await runCli(['project', 'delete', 'shop', '--yes'], {env})).code).to.equal(0)
    expect(await server.store.countEvents(shown.project.id)).to.equal(0)
    expect((await api.post('/log-error', {message: 'gone'}, {apiKey: rotated.apiKey})).status).to.equal(401)
  })

  it('prints one clear line and exits non-zero on failures', async () => {
    const missing = await runCli(['project', 'show', 'nope'], {env})
    expect(missing.code).to.not.equal(0)
    expect(missing.stderr.trim()).to.equal('crashlog: no project "nope"')
    const dup = await runCli(['user', 'create', '--email', 'root@example.com', '--name', 'Again', '--password-stdin'], {env, input: PASSWORD})
    expect(dup.code).to.not.equal(0)
    expect(dup.stderr.trim().split('\n')).to.have.length(1)
    expect(dup.stderr).to.include('already exists')
    const weak = await runCli(['user', 'create', '--email', 'weak@example.com', '--name', 'Weak', '--password-stdin'], {env, input: 'short'})
    expect(weak.code).to.not.equal(0)
    expect(weak.stderr).to.include('password')
    const noOwner = await runCli(['project', 'create', '--name', 'X', '--owner', 'ghost@example.com'], {env})
    expect(noOwner.stderr.trim()).to.equal('crashlog: no user with email "ghost@example.com"')
    const debug = await runCli(['project', 'show', 'nope', '--debug'], {env})
    expect(debug.stderr).to.match(/at .*\.js/)
  })
})

describe('CLI configuration errors', () => {
  it('names a bad --db value', async () => {
    const res = await runCli(['user', 'list', '--db', 'postgres://x'])
    expect(res.code).to.not.equal(0)
    expect(res.stderr).to.include('postgres://x')
    expect(res.stderr.trim().split('\n')).to.have.length(1)
  })

  it('says it cannot reach MongoDB, without a password, in one line and about two seconds', async () => {
    const started = Date.now()
    const res = await runCli(['user', 'list', '--db', 'mongodb://admin:s3cret@127.0.0.1:1/crashlog'])
    expect(res.code).to.not.equal(0)
    expect(res.stderr).to.include('cannot reach MongoDB at')
    expect(res.stderr).to.not.include('s3cret')
    expect(res.stderr.trim().split('\n')).to.have.length(1)
    expect(Date.now() - started).to.be.below(15_000)
  })

  it('refuses a bad flag value naming it', async () => {
    const res = await runCli(['serve', '--port', 'eighty', '--db', 'sqlite::memory:'])
    expect(res.code).to.not.equal(0)
    expect(res.stderr.trim()).to.equal('crashlog: --port: must be a whole number')
  })
})

import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {RUN_JS, runCli, runCliJson} from '../support/cli.js'
import {describeEachEngine} from '../support/engines.js'
import {client, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

describeEachEngine('CLI: errors and issues, against the server’s database', (engine) => {
  let server: TestServer
  let api: Client
  let env: Record<string, string>
  let apiKey: string
  let ids: string[]

  before(async () => {
    server = await startTestServer(engine, {'rate-limit': '1000000'})
    api = client(server.url)
    env = {CRASHLOG_DB: server.dbUrl, CRASHLOG_BCRYPT_COST: '4'}
    await runCliJson(['user', 'create', '--email', 'dev@example.com', '--name', 'Dev', '--password-stdin'], {env, input: 'correct horse battery'})
    apiKey = (await runCliJson(['project', 'create', '--name', 'Shop', '--owner', 'dev@example.com', '--slug', 'shop'], {env})).apiKey
    const batch = Array.from({length: 30}, (_, i) => ({
      message: i % 3 === 0 ? `Cannot read property 'x' of undefined #${i}` : `timeout after ${i} ms`,
      type: i % 3 === 0 ? 'TypeError' : 'TimeoutError',
      tags: {checkout: i % 2 === 0 ? 'step 2' : 'step 1'},
      stack: 'TypeError: boom\n    at render (https://shop.example.com/app.js:10:5)\n    at node:internal/x:1:1',
      timestamp: new Date(Date.now() - (30 - i) * 60_000).toISOString(),
    }))
    const res = await api.post('/log-error', batch, {apiKey})
    expect(res.status, res.text).to.equal(202)
    ids = res.body.ids
  })
  after(async () => server?.close())

  it('lists errors as a table and as JSON, filtered with --q and --since', async () => {
    const table = await runCli(['errors', 'list', 'shop', '--limit', '5'], {env})
    expect(table.code, table.stderr).to.equal(0)
    expect(table.stdout).to.match(/^TIME\s+LEVEL\s+TYPE\s+MESSAGE\s+ID/)
    expect(table.stdout).to.include(ids[29])
    expect(table.stdout).to.include('more: --cursor ')
    const json = await runCliJson(['errors', 'list', 'shop', '--q', 'type:TypeError checkout:"step 2"', '--limit', '200'], {env})
    const expected = ids.filter((_, i) => i % 3 === 0 && i % 2 === 0).reverse()
    expect(json.errors.map((e: {id: string}) => e.id)).to.deep.equal(expected)
    const recent = await runCliJson(['errors', 'list', 'shop', '--since', '5m', '--limit', '200'], {env})
    expect(recent.errors.length).to.be.within(4, 5)
    const text = await runCliJson(['errors', 'list', 'shop', '--q', 'CANNOT read', '--limit', '200'], {env})
    expect(text.errors).to.have.length(10)
    const bad = await runCli(['errors', 'list', 'shop', '--since', 'soon'], {env})
    expect(bad.code).to.not.equal(0)
    expect(bad.stderr.trim()).to.match(/^crashlog: invalid from:/)
  })

  it('shows one error readably, with the stack trace', async () => {
    const res = await runCli(['errors', 'show', 'shop', ids[3]], {env})
    expect(res.code, res.stderr).to.equal(0)
    expect(res.stdout).to.include("TypeError: Cannot read property 'x' of undefined #3")
    expect(res.stdout).to.include('checkout: step 1')
    expect(res.stdout).to.match(/> at render \(https:\/\/shop\.example\.com\/app\.js:10:5\)/)
    const missing = await runCli(['errors', 'show', 'shop', 'ffffffffffffffffffffffffffffffff'], {env})
    expect(missing.code).to.not.equal(0)
  })

  it('exports to a file in CSV and NDJSON with a rows/s summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crashlog-export-'))
    const csvFile = join(dir, 'errors.csv')
    const csv = await runCli(['errors', 'export', 'shop', '--format', 'csv', '--output', csvFile, '--q', 'type:TimeoutError'], {env})
    expect(csv.code, csv.stderr).to.equal(0)
    expect(csv.stderr).to.match(/20 rows in [\d.]+ s \([\d,]+ rows\/s\)/)
    const lines = readFileSync(csvFile, 'utf8').trim().split('\r\n')
    expect(lines).to.have.length(21)
    const ndjson = await runCli(['errors', 'export', 'shop', '--format', 'ndjson'], {env})
    const rows = ndjson.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(rows.map((r) => r.id)).to.deep.equal([...ids].reverse())
    const json = await runCli(['errors', 'export', 'shop', '--format', 'json', '--q', 'checkout:"step 2"'], {env})
    expect(json.code, json.stderr).to.equal(0)
    expect(JSON.parse(json.stdout).map((r: {id: string}) => r.id)).to.deep.equal([...ids].reverse().filter((_, i) => i % 2 === 1))
    const unwritable = await runCli(['errors', 'export', 'shop', '--format', 'csv', '--output', join(dir, 'no', 'such', 'dir.csv')], {env})
    expect(unwritable.code).to.equal(2)
    expect(unwritable.stderr.trim()).to.match(/^crashlog: invalid --output: cannot write .*dir\.csv \(ENOENT\)$/)
  })

  it('follows new errors with tail until interrupted', async function () {
    this.timeout(30_000)
    const child = spawn(process.execPath, [RUN_JS, 'errors', 'tail', 'shop', '--q', 'level:fatal', '--interval', '0.2'], {env: {...process.env, ...env}})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    await waitFor(() => err.includes('following errors'), 10_000)
    await api.post('/log-error', [{message: 'tailed fatal', level: 'fatal', timestamp: '2020-01-01T00:00:00Z'}, {message: 'not shown', level: 'info'}], {apiKey})
    await waitFor(() => out.includes('tailed fatal'), 10_000)
    child.kill('SIGINT')
    const code = await new Promise((r) => child.on('exit', r))
    expect(code).to.equal(0)
    expect(out).to.not.include('not shown')
  })

  it('lists issues and resolves, ignores and reopens one', async () => {
    const list = await runCliJson(['issues', 'list', 'shop', '--sort', 'count'], {env})
    expect(list.issues.length).to.be.greaterThan(0)
    const issue = list.issues.find((i: {type: string}) => i.type === 'TypeError')
    for (const [cmd, status] of [['resolve', 'resolved'], ['ignore', 'ignored'], ['reopen', 'unresolved']]) {
      const res = await runCliJson(['issues', cmd, 'shop', issue.id], {env})
      expect(res.issue.status).to.equal(status)
      const viaApi = await server.store.findIssue(issue.projectId, issue.id)
      expect(viaApi!.status).to.equal(status)
    }
    const table = await runCli(['issues', 'list', 'shop', '--status', 'unresolved'], {env})
    expect(table.stdout).to.include(issue.id)
    const bad = await runCli(['issues', 'resolve', 'shop', 'nope'], {env})
    expect(bad.code).to.not.equal(0)
    expect(bad.stderr.trim()).to.equal('crashlog: no issue "nope" in project ' + issue.projectId)
  })
})

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

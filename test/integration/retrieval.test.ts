import {expect} from 'chai'
import {describeEachEngine} from '../support/engines.js'
import {client, signup, type Client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

interface Seed {
  message: string
  type?: string
  level?: string
  environment?: string
  release?: string
  browser?: {name: string; version?: string}
  os?: {name: string}
  url?: string
  user?: Record<string, string>
  tags?: Record<string, string>
  timestamp?: string
  fingerprint?: string
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z')
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

/** 40 events with known fields; index i has timestamp T0 + i minutes. */
function seedEvents(): Seed[] {
  return Array.from({length: 40}, (_, i) => ({
    message: i % 10 === 0 ? `Cannot read properties of undefined (reading 'cart') #${i}` : `Request failed with status ${500 + (i % 3)} #${i}`,
    type: i % 10 === 0 ? 'TypeError' : 'HttpError',
    level: i % 4 === 0 ? 'fatal' : 'error',
    environment: i % 2 === 0 ? 'production' : 'staging',
    release: `1.0.${i % 5}`,
    browser: {name: i % 3 === 0 ? 'Firefox' : 'Chrome', version: '140'},
    os: {name: i % 2 === 0 ? 'Linux' : 'macOS'},
    url: `https://shop.example.com/${i % 2 === 0 ? 'cart' : 'checkout'}?n=${i}`,
    user: {id: `u${i % 7}`, email: `user${i % 7}@example.com`},
    tags: {checkout: i % 5 === 0 ? 'step 2' : 'step 1', region: i % 2 === 0 ? 'eu' : 'us'},
    timestamp: at(i),
    fingerprint: i % 10 === 0 ? 'cart-undefined' : undefined,
  }))
}

describeEachEngine('Retrieval API: errors, issues, stats, export', (engine) => {
  let server: TestServer
  let api: Client
  let token: string
  let projectId: number
  let apiKey: string
  const seeds = seedEvents()
  let ids: string[]

  before(async () => {
    server = await startTestServer(engine, {'rate-limit': '1000000'})
    api = client(server.url)
    token = (await signup(api, 'reader')).token
    const created = await api.post('/projects', {name: 'Reader'}, {token})
    projectId = created.body.project.id
    apiKey = created.body.apiKey
    const res = await api.post('/log-error', seeds.map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined))), {apiKey})
    expect(res.status, res.text).to.equal(202)
    ids = res.body.ids
  })
  after(async () => server?.close())

  const get = (path: string) => api.get(`/projects/${projectId}${path}`, {token})
  const expectIndexes = async (q: string, expected: number[]) => {
    const res = await get(`/errors?limit=200&q=${encodeURIComponent(q)}`)
    expect(res.status, `${q}: ${res.text}`).to.equal(200)
    const got = res.body.errors.map((e: {id: string}) => ids.indexOf(e.id)).sort((a: number, b: number) => a - b)
    expect(got, q).to.deep.equal(expected)
  }
  const where = (pred: (s: Seed, i: number) => boolean) => seeds.map((s, i) => (pred(s, i) ? i : -1)).filter((i) => i >= 0)

  it('lists newest first with everything stored, and shows one error', async () => {
    const res = await get('/errors?limit=5')
    expect(res.status).to.equal(200)
    expect(res.body.errors.map((e: {id: string}) => e.id)).to.deep.equal([39, 38, 37, 36, 35].map((i) => ids[i]))
    expect(res.body.nextCursor).to.be.a('string')
    const one = await get(`/errors/${ids[10]}`)
    expect(one.status).to.equal(200)
    expect(one.body.error).to.deep.include({id: ids[10], type: 'TypeError', environment: 'production', release: '1.0.0', timestamp: at(10)})
    expect(one.body.error.tags).to.deep.equal({checkout: 'step 2', region: 'eu'})
    expect((await get('/errors/ffffffffffffffffffffffffffffffff')).status).to.equal(404)
  })

  it('filters by every known token, by tags, by free text, and by time', async () => {
    await expectIndexes('type:TypeError', where((s) => s.type === 'TypeError'))
    await expectIndexes('level:fatal', where((s) => s.level === 'fatal'))
    await expectIndexes('environment:staging', where((s) => s.environment === 'staging'))
    await expectIndexes('release:1.0.3', where((s) => s.release === '1.0.3'))
    await expectIndexes('browser:Firefox', where((s) => s.browser!.name === 'Firefox'))
    await expectIndexes('os:macOS', where((s) => s.os!.name === 'macOS'))
    await expectIndexes('url:CHECKOUT', where((s) => s.url!.includes('checkout')))
    await expectIndexes('user:u3', where((s) => s.user!.id === 'u3'))
    await expectIndexes('user:user4@example.com', where((s) => s.user!.email === 'user4@example.com'))
    await expectIndexes('checkout:"step 2"', where((s) => s.tags!.checkout === 'step 2'))
    await expectIndexes('checkout:"step 2" region:us', where((s) => s.tags!.checkout === 'step 2' && s.tags!.region === 'us'))
    await expectIndexes('cannot READ', where((s) => s.message.startsWith('Cannot read')))
    await expectIndexes('httperror "status 501"', where((s) => s.type === 'HttpError' && s.message.includes('status 501')))
    await expectIndexes('type:TypeError type:HttpError level:fatal', where((s) => s.level === 'fatal'))
    await expectIndexes('nothing-matches-this', [])
    const issueId = (await get(`/errors/${ids[0]}`)).body.error.issueId
    await expectIndexes(`issue:${issueId}`, [0, 10, 20, 30])
    const ranged = await get(`/errors?limit=200&from=${encodeURIComponent(at(5))}&to=${T0 + 10 * 60_000}`)
    expect(ranged.body.errors.map((e: {id: string}) => ids.indexOf(e.id)).sort((a: number, b: number) => a - b)).to.deep.equal([5, 6, 7, 8, 9])
  })

  it('pages through every row exactly once, in both orders, also while new events arrive', async () => {
    for (const order of ['desc', 'asc']) {
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const res: any = await get(`/errors?limit=7&order=${order}&to=${encodeURIComponent(at(40))}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        expect(res.status).to.equal(200)
        seen.push(...res.body.errors.map((e: {id: string}) => e.id))
        cursor = res.body.nextCursor
        // New events (timestamped now, outside the window) arrive between pages.
        if (pages++ === 1) await api.post('/log-error', [{message: 'late 1'}, {message: 'late 2'}], {apiKey})
      } while (cursor)
      expect(new Set(seen).size).to.equal(seen.length)
      expect(seen).to.deep.equal(order === 'desc' ? [...ids].reverse() : ids)
    }
  })

  it('lists issues with status changes, sorting and their errors', async () => {
    const issues = await get('/issues?sort=count&limit=200')
    expect(issues.status).to.equal(200)
    const cart = issues.body.issues.find((i: {type: string}) => i.type === 'TypeError')
    expect(cart.count).to.equal(4)
    const counts = issues.body.issues.map((i: {count: number}) => i.count)
    expect(counts).to.deep.equal([...counts].sort((a, b) => b - a))

    const resolved = await api.patch(`/projects/${projectId}/issues/${cart.id}`, {status: 'resolved'}, {token})
    expect(resolved.status).to.equal(200)
    expect(resolved.body.issue.status).to.equal('resolved')
    const unresolved = (await get('/issues?status=unresolved&limit=200')).body.issues.map((i: {id: string}) => i.id)
    expect(unresolved).to.not.include(cart.id)
    const viaQ = (await get('/issues?q=is:resolved')).body.issues.map((i: {id: string}) => i.id)
    expect(viaQ).to.deep.equal([cart.id])
    expect((await api.patch(`/projects/${projectId}/issues/${cart.id}`, {status: 'closed'}, {token})).status).to.equal(400)
    expect((await api.patch(`/projects/${projectId}/issues/${cart.id}`, {status: 'ignored', count: 0}, {token})).status).to.equal(400)
    await api.patch(`/projects/${projectId}/issues/${cart.id}`, {status: 'unresolved'}, {token})

    const one = await get(`/issues/${cart.id}`)
    expect(one.body.issue).to.include({id: cart.id, count: 4, status: 'unresolved'})
    const events = await get(`/issues/${cart.id}/errors?limit=3`)
    expect(events.body.errors.map((e: {id: string}) => e.id)).to.deep.equal([ids[30], ids[20], ids[10]])
    const rest = await get(`/issues/${cart.id}/errors?limit=3&cursor=${encodeURIComponent(events.body.nextCursor)}`)
    expect(rest.body.errors.map((e: {id: string}) => e.id)).to.deep.equal([ids[0]])
    expect(rest.body.nextCursor).to.equal(null)

    const paged: string[] = []
    let cursor: string | null = null
    do {
      const res: any = await get(`/issues?sort=lastSeen&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      paged.push(...res.body.issues.map((i: {id: string}) => i.id))
      cursor = res.body.nextCursor
    } while (cursor)
    expect(new Set(paged).size).to.equal(paged.length)
    expect(paged.length).to.equal((await get('/issues?limit=200')).body.issues.length)
  })

  it('counts stats from the counters and from a filter', async () => {
    const all = await get('/stats?from=2h&interval=minute')
    expect(all.status).to.equal(200)
    // Counters bucket by time received: every ingested event of this project is in the last 2 hours.
    const ingested = (await get('/errors?limit=200')).body.errors.length
    expect(all.body.total).to.equal(ingested)
    const filtered = await get(`/stats?q=type:TypeError&from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(60))}&interval=minute`)
    expect(filtered.body.total).to.equal(4)
    expect(filtered.body.buckets).to.have.length(60)
    expect(filtered.body.buckets[10]).to.deep.equal({start: at(10), count: 1})
    const hourly = await get(`/stats?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(120))}&interval=hour&q=level:fatal`)
    expect(hourly.body.buckets.map((b: {count: number}) => b.count)).to.deep.equal([10, 0])
  })

  it('exports the same rows as the list, in NDJSON, JSON and CSV', async () => {
    const q = encodeURIComponent('environment:production')
    const listed = (await get(`/errors?limit=200&q=${q}`)).body.errors
    const ndjson = await fetch(`${server.url}/projects/${projectId}/errors/export?format=ndjson&q=${q}`, {headers: {authorization: `Bearer ${token}`}})
    expect(ndjson.status).to.equal(200)
    expect(ndjson.headers.get('content-disposition')).to.match(/^attachment; filename="crashlog-reader-errors\.ndjson"$/)
    const rows = (await ndjson.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(rows).to.deep.equal(listed)
    const json = await fetch(`${server.url}/projects/${projectId}/errors/export?format=json&q=${q}`, {headers: {authorization: `Bearer ${token}`}})
    expect(await json.json()).to.deep.equal(listed)
    const csv = await fetch(`${server.url}/projects/${projectId}/errors/export?format=csv&q=${q}`, {headers: {authorization: `Bearer ${token}`}})
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/)
    const records = parseCsv(await csv.text())
    expect(records[0]).to.deep.equal([
      'id', 'timestamp', 'receivedAt', 'level', 'type', 'message', 'issueId', 'environment', 'release',
      'url', 'browser', 'os', 'user', 'tags', 'stack',
    ])
    // Every column of every row, as the list has it (CSV is the flat view: nested
    // objects as JSON text, browser and os as "name version").
    const nameVersion = (v?: {name?: string; version?: string}) => (v ? [v.name, v.version].filter(Boolean).join(' ') : '')
    const expected = listed.map((e: Record<string, any>) => [
      e.id, e.timestamp, e.receivedAt, e.level, e.type, e.message, e.issueId, e.environment ?? '', e.release ?? '',
      e.url ?? '', nameVersion(e.browser), nameVersion(e.os), e.user ? JSON.stringify(e.user) : '',
      Object.keys(e.tags).length ? JSON.stringify(e.tags) : '', e.stack ?? '',
    ])
    expect(records.slice(1)).to.deep.equal(expected)
    expect(expected.some((r: string[]) => r[13] !== '' && r[7] !== '')).to.equal(true)
  })

  it('quotes commas, quotes and newlines in CSV, and defuses formulas', async () => {
    const tricky = {message: 'a, "quoted"\nsecond line', type: '=HYPERLINK("x")', tags: {csv: 'yes'}}
    const res = await api.post('/log-error', tricky, {apiKey})
    const csv = await (await fetch(`${server.url}/projects/${projectId}/errors/export?format=csv&q=csv:yes`, {headers: {authorization: `Bearer ${token}`}})).text()
    expect(csv).to.include('"a, ""quoted""\nsecond line"')
    const records = parseCsv(csv)
    expect(records).to.have.length(2)
    expect(records[1][0]).to.equal(res.body.id)
    expect(records[1][4]).to.equal(`'=HYPERLINK("x")`)
    expect(records[1][5]).to.equal(tricky.message)
  })

  it('answers bad parameters with 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/errors?limit=0', 'limit'],
      ['/errors?limit=201', 'limit'],
      ['/errors?limit=abc', 'limit'],
      ['/errors?order=sideways', 'order'],
      ['/errors?from=yesterday', 'from'],
      ['/errors?from=1h&to=2h', 'from'],
      ['/errors?cursor=garbage', 'cursor'],
      ['/errors?q=level:loud', 'q'],
      ['/errors?q=%22unclosed', 'q'],
      ['/errors?q=is:resolved', 'q'],
      ['/errors?type%5B%24ne%5D=x', 'type[$ne]'],
      ['/errors?q=a&q=b', 'q'],
      ['/errors?bogus=1', 'bogus'],
      ['/issues?sort=loudest', 'sort'],
      ['/issues?status=open', 'status'],
      ['/issues?q=region:eu', 'q'],
      ['/stats?interval=week', 'interval'],
      ['/stats?interval=toString', 'interval'],
      ['/stats?q=is:resolved', 'q'],
      ['/stats?interval=__proto__', 'interval'],
      ['/stats?from=365d&interval=minute', 'interval'],
      ['/errors/export?format=xml', 'format'],
    ]
    for (const [path, param] of cases) {
      const res = await get(path)
      expect(res.status, path).to.equal(400)
      expect(res.body.error.details.map((d: {path: string}) => d.path), path).to.include(param)
    }
    // A cursor from another listing (or another order) is refused too.
    const page = await get('/errors?limit=1')
    expect((await get(`/errors?limit=1&order=asc&cursor=${encodeURIComponent(page.body.nextCursor)}`)).status).to.equal(400)
    const tampered = page.body.nextCursor.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A'))
    expect((await get(`/errors?cursor=${encodeURIComponent(tampered)}`)).status).to.equal(400)
  })

  it('answers 404 for another user’s project on every route', async () => {
    const other = await signup(api, 'snoop')
    const issueId = (await get(`/errors/${ids[0]}`)).body.error.issueId
    for (const path of ['/errors', `/errors/${ids[0]}`, '/errors/export', '/issues', `/issues/${issueId}`, `/issues/${issueId}/errors`, '/stats']) {
      const res = await api.get(`/projects/${projectId}${path}`, {token: other.token})
      expect(res.status, path).to.equal(404)
    }
    expect((await api.patch(`/projects/${projectId}/issues/${issueId}`, {status: 'resolved'}, {token: other.token})).status).to.equal(404)
    expect((await api.get(`/projects/${projectId}/errors`)).status).to.equal(401)
  })
})

/** A strict RFC 4180 reader, to check the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
        continue
      }
      if (c === '"') quoted = false
      else field += c
      i++
      continue
    }
    if (c === '"') quoted = true
    else if (c === ',') {
      record.push(field)
      field = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      i++
    } else field += c
    i++
  }
  if (field || record.length) records.push([...record, field])
  return records
}

import {expect} from 'chai'
import {describeEachEngine} from '../support/engines.js'
import {client} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

describeEachEngine('HTTP health endpoints', (engine) => {
  let server: TestServer

  before(async () => {
    server = await startTestServer(engine)
  })
  after(async () => server?.close())

  it('reports the process up and the database reachable, with security headers', async () => {
    const api = client(server.url)
    const health = await api.get('/healthz')
    expect(health.status).to.equal(200)
    expect(health.headers.get('x-content-type-options')).to.equal('nosniff')
    const ready = await api.get('/readyz')
    expect(ready.status).to.equal(200)
    expect(ready.body).to.deep.equal({status: 'ready', database: engine.name})
  })
})

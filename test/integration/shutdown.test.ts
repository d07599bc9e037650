import {expect} from 'chai'
import {Agent} from 'node:http'
import {request as httpRequest} from 'node:http'
import {runCliJson} from '../support/cli.js'
import {openStore} from '../../src/store/open.js'
import {describeEachEngine} from '../support/engines.js'
import {startServeProcess} from '../support/serve-process.js'

/** POST /log-error; resolves with the status and id, or null when the connection failed. */
function post(url: string, key: string, agent: Agent, body: string): Promise<{status: number; id?: string} | null> {
  return new Promise((resolve) => {
    const u = new URL(`${url}/log-error`)
    const req = httpRequest({host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: {'content-type': 'application/json', 'x-api-key': key}}, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => {
        let id: string | undefined
        try {
          id = JSON.parse(text).id
        } catch {
          id = undefined
        }
        resolve({status: res.statusCode!, id})
      })
      res.on('error', () => resolve(null))
    })
    req.on('error', () => resolve(null))
    req.end(body)
  })
}

describeEachEngine('crashlog serve: graceful shutdown', (engine) => {
  it('on SIGTERM during a burst of 1,000, stores every acknowledged event and exits 0', async function () {
    this.timeout(120_000)
    const dbUrl = engine.newDatabaseUrl()
    const env = {CRASHLOG_BCRYPT_COST: '4'}
    await runCliJson(['user', 'create', '--email', 'ops@example.com', '--name', 'Ops', '--password-stdin', '--db', dbUrl], {env, input: 'correct horse battery'})
    const {apiKey, project} = await runCliJson(['project', 'create', '--name', 'Burst', '--owner', 'ops@example.com', '--db', dbUrl], {env})
    const serve = await startServeProcess(dbUrl, ['--rate-limit', '1000000'])

    const agent = new Agent({keepAlive: true, maxSockets: 50})
    const replies: Array<Promise<{status: number; id?: string} | null>> = []
    for (let i = 0; i < 1000; i++) {
      replies.push(post(serve.url, apiKey, agent, JSON.stringify({message: `burst ${i}`, tags: {i: String(i)}})))
      if (i === 400) {
        // Mid-burst: the first few hundred are in flight or answered, the rest still to come.
        await new Promise((r) => setTimeout(r, 5))
        serve.child.kill('SIGTERM')
      }
    }
    const settled = await Promise.all(replies)
    agent.destroy()
    const code = await serve.exited
    expect(code, serve.output()).to.equal(0)
    expect(serve.output()).to.include('stopped')

    const acknowledged = settled.filter((r): r is {status: number; id: string} => r !== null && r.status === 202)
    const statuses = new Set(settled.map((r) => (r === null ? 'connection closed' : r.status)))
    // Nothing may fail in any other way than "not accepted" (refused or closed connection, or 503).
    for (const s of statuses) expect([202, 503, 'connection closed']).to.include(s)
    expect(acknowledged.length).to.be.greaterThan(0)

    const store = await openStore(dbUrl)
    try {
      for (const r of acknowledged) expect(await store.findEvent(project.id, r.id), r.id).to.not.equal(null)
      expect(await store.countEvents(project.id)).to.be.at.least(acknowledged.length)
    } finally {
      await store.close()
    }
  })
})

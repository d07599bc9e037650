import {expect} from 'chai'
import {build} from 'esbuild'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Browser} from 'playwright-core'
import {launchChromium, requireChromium} from '../support/browser.js'
import {describeEachEngine} from '../support/engines.js'
import {client, signup} from '../support/http.js'
import {startTestServer, type TestServer} from '../support/server.js'

// The app under test: @sentry/browser, bundled like any web app would bundle it.
const APP = `
import * as Sentry from '@sentry/browser'
const dsn = new URLSearchParams(location.search).get('dsn')
Sentry.init({dsn, release: 'web@1.0.0', environment: 'browser-test', integrations: []})
Sentry.setTag('page', 'checkout')
function renderBasket() { throw new TypeError('basket is undefined in the browser') }
try { renderBasket() } catch (err) { Sentry.captureException(err) }
Sentry.flush(10000).then((ok) => { window.__sentryFlushed = ok })
`

describeEachEngine('Sentry: @sentry/browser from another origin in Chromium', (engine) => {
  let server: TestServer
  let appServer: Server
  let appOrigin: string
  let browser: Browser

  before(async function () {
    requireChromium(this)
    this.timeout(60_000)
    server = await startTestServer(engine)
    const bundle = await build({stdin: {contents: APP, resolveDir: process.cwd(), loader: 'js'}, bundle: true, write: false, format: 'iife', platform: 'browser', minify: false})
    const js = bundle.outputFiles[0].text
    appServer = createServer((req, res) => {
      if (req.url?.startsWith('/app.js')) {
        res.writeHead(200, {'content-type': 'text/javascript'})
        res.end(js)
      } else {
        res.writeHead(200, {'content-type': 'text/html'})
        res.end('<!doctype html><title>shop</title><script src="/app.js"></script>')
      }
    })
    await new Promise<void>((r) => appServer.listen(0, '127.0.0.1', r))
    // "localhost" vs crashlog's 127.0.0.1: a different origin, so CORS is exercised.
    appOrigin = `http://localhost:${(appServer.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    appServer?.close()
    await server?.close()
  })

  it('sends an error that arrives, with CORS working', async function () {
    this.timeout(60_000)
    const api = client(server.url)
    const {token} = await signup(api, 'web')
    const created = await api.post('/projects', {name: 'Web'}, {token})
    const page = await browser.newPage()
    const failures: string[] = []
    page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`))
    page.on('console', (m) => {
      if (m.type() === 'error') failures.push(m.text())
    })
    await page.goto(`${appOrigin}/?dsn=${encodeURIComponent(created.body.dsn)}`)
    await page.waitForFunction('window.__sentryFlushed !== undefined', undefined, {timeout: 20_000})
    expect(await page.evaluate('window.__sentryFlushed')).to.equal(true)
    expect(failures, failures.join('\n')).to.deep.equal([])
    const errors = (await api.get(`/projects/${created.body.project.id}/errors`, {token})).body.errors
    expect(errors).to.have.length(1)
    expect(errors[0]).to.deep.include({type: 'TypeError', message: 'basket is undefined in the browser', release: 'web@1.0.0', environment: 'browser-test', platform: 'javascript'})
    expect(errors[0].tags).to.deep.include({page: 'checkout'})
    expect(errors[0].frames[0]).to.deep.include({function: 'renderBasket'})
    expect(errors[0].url).to.equal(`${appOrigin}/?dsn=${encodeURIComponent(created.body.dsn)}`)
    await page.close()
  })
})

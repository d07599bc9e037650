// The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against the real server on a fresh SQLite database. Errors are posted over real HTTP.

import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import type {Browser, Locator, Page} from 'playwright-core'
import {launchChromium} from '../support/browser.js'
import {DESKTOP, describeWithBrowser, openPage, PHONE, saveScreenshot, screenshotOnFailure, type OpenedPage} from '../support/e2e.js'
import {ENGINES} from '../support/engines.js'
import {startTestServer, type TestServer} from '../support/server.js'

// What the page.evaluate() callbacks touch in the page (the test program has no DOM lib).
declare const document: {cookie: string; activeElement: {id: string} | null}
declare const localStorage: {length: number}
declare const sessionStorage: {length: number}

const PASSWORD = 'correct horse battery'
let counter = 0
const uniqueEmail = (name: string) => `${name.replace(/[^a-z0-9]+/gi, '.')}-${Date.now()}-${++counter}@example.com`

const TYPE_ERROR_STACK = [
  "TypeError: Cannot read properties of undefined (reading 'total')",
  '    at computeTotal (https://shop.example.com/static/js/cart.js:42:17)',
  '    at renderCart (https://shop.example.com/static/js/cart.js:88:5)',
  '    at commitRoot (https://shop.example.com/node_modules/react-dom/cjs/react-dom.production.js:4164:14)',
  '    at HTMLButtonElement.onClick (https://shop.example.com/static/js/app.js:12:9)',
].join('\n')

const typeError = {
  message: "Cannot read properties of undefined (reading 'total')",
  type: 'TypeError',
  stack: TYPE_ERROR_STACK,
  tags: {region: 'eu', checkout: 'step 2'},
  browser: {name: 'Chrome', version: '140'},
  os: {name: 'Linux'},
  environment: 'production',
  release: '1.4.2',
  url: 'https://shop.example.com/cart',
  user: {id: 'u1', email: 'alice@example.com'},
}
const httpError = {message: 'Request failed with status 502', type: 'HttpError', tags: {region: 'us'}, environment: 'staging'}
const slowWarning = {message: 'Slow response from /api/cart', type: 'SlowResponse', level: 'warning', tags: {region: 'eu'}}
const XSS = '<img src=x onerror=alert(1)>'

async function postError(server: TestServer, apiKey: string, body: unknown): Promise<number> {
  const res = await fetch(`${server.url}/log-error`, {method: 'POST', headers: {'content-type': 'application/json', 'x-api-key': apiKey}, body: JSON.stringify(body)})
  await res.arrayBuffer()
  return res.status
}

async function signUpInUi(page: Page, name: string): Promise<string> {
  const email = uniqueEmail(name.toLowerCase())
  await page.goto('/')
  await page.waitForURL(/\/app\/login$/)
  await page.getByRole('link', {name: 'Create an account'}).click()
  await page.waitForURL(/\/app\/signup$/)
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', {name: 'Create account'}).click()
  await page.getByRole('heading', {name: 'Projects', level: 1}).waitFor()
  return email
}

/** Creates a project from the empty state or the "New project" dialog; returns its id and key. */
async function createProjectInUi(page: Page, name: string): Promise<{id: number; apiKey: string}> {
  // Either the empty state's form (a new user) or the list with its "New project" button.
  await page.locator('.empty, .project-grid').first().waitFor()
  const empty = page.getByRole('region', {name: 'No projects yet'})
  const first = await empty.isVisible()
  if (!first) await page.getByRole('button', {name: 'New project'}).click()
  const form = first ? empty : page.getByRole('dialog', {name: 'New project'})
  await form.getByLabel('Name').fill(name)
  await form.getByRole('button', {name: 'Create project'}).click()
  const dialog = page.getByRole('dialog', {name: `${name} is ready`})
  await dialog.waitFor()
  const apiKey = await dialog.getByTestId('api-key').inputValue()
  await dialog.getByRole('button', {name: 'I have saved the key'}).click()
  await page.waitForURL(/\/app\/projects\/\d+$/)
  return {id: Number(/\/app\/projects\/(\d+)$/.exec(page.url())![1]), apiKey}
}

/** Waits until the locator matches exactly `n` elements. */
async function waitForCount(locator: Locator, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let count = await locator.count()
  while (count !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} × ${locator.toString()}, found ${count}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    count = await locator.count()
  }
}

function expectNoProblems(opened: OpenedPage | undefined): void {
  if (!opened) return
  expect(opened.problems.errors, 'errors inside the page').to.deep.equal([])
  expect(opened.problems.dialogs, 'dialogs opened by the page').to.deep.equal([])
}

describeWithBrowser('Dashboard in Chromium (e2e) [sqlite]', () => {
  let server: TestServer
  let browser: Browser
  let current: OpenedPage | undefined
  let other: OpenedPage | undefined

  before(async () => {
    server = await startTestServer(ENGINES[0], {'rate-limit': '1000000'})
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.close()
  })

  screenshotOnFailure(() => [current?.page, other?.page])

  describe('a new user, from sign-up to log-out', () => {
    let page: Page
    let projectId: number
    let apiKey: string

    before(async () => {
      current = await openPage(browser, server.url)
      page = current.page
    })
    after(async () => {
      expectNoProblems(current)
      await current?.context.close()
      current = undefined
    })

    it('signs up from the login page and is told to create a project', async () => {
      await signUpInUi(page, 'Dana')
      await page.getByRole('heading', {name: 'No projects yet'}).waitFor()
      expect(await page.getByText('Create a project for the app').isVisible()).to.equal(true)
    })

    it('keeps the session in an HttpOnly cookie, never in storage', async () => {
      const state = await page.evaluate(() => ({cookie: document.cookie, local: localStorage.length, session: sessionStorage.length}))
      expect(state.cookie).to.include('crashlog_csrf=')
      expect(state.cookie).not.to.include('crashlog_session')
      expect(state.local + state.session).to.equal(0)
      const cookies = await page.context().cookies()
      const session = cookies.find((c) => c.name === 'crashlog_session')
      expect(session?.httpOnly).to.equal(true)
      expect(session?.sameSite).to.equal('Strict')
    })

    it('creates a project and shows its key once, with copy buttons and snippets', async () => {
      await page.getByLabel('Name').fill('Web shop')
      await page.getByRole('button', {name: 'Create project'}).click()
      const dialog = page.getByRole('dialog', {name: 'Web shop is ready'})
      await dialog.waitFor()
      apiKey = await dialog.getByTestId('api-key').inputValue()
      expect(apiKey).to.match(/^clk_/)
      await dialog.getByText('shown this once').waitFor()

      await dialog.getByRole('button', {name: 'Copy API key'}).click()
      await dialog.getByRole('button', {name: 'Copy API key'}).getByText('Copied').waitFor()

      const code = dialog.locator('.code pre')
      expect(await code.textContent()).to.include(`X-API-KEY: ${apiKey}`).and.include('/log-error')
      await dialog.getByRole('tab', {name: 'Browser'}).click()
      expect(await code.textContent()).to.include("addEventListener('unhandledrejection'").and.include(apiKey)
      await dialog.getByRole('tab', {name: 'Node.js'}).click()
      expect(await code.textContent()).to.include("process.on('uncaughtException'").and.include(apiKey)
      expect(await dialog.getByRole('button', {name: 'Copy Node.js snippet'}).isVisible()).to.equal(true)
      if (await dialog.getByTestId('api-dsn').count()) {
        expect(await dialog.getByTestId('api-dsn').inputValue()).to.include(apiKey)
      }

      await dialog.getByRole('button', {name: 'I have saved the key'}).click()
      await page.waitForURL(/\/app\/projects\/\d+$/)
      projectId = Number(/\/app\/projects\/(\d+)$/.exec(page.url())![1])
      await page.getByRole('heading', {name: 'Web shop', level: 1}).waitFor()
      expect(await page.content()).not.to.include(apiKey)
      await page.reload()
      await page.getByRole('heading', {name: 'Web shop', level: 1}).waitFor()
      expect(await page.content()).not.to.include(apiKey)
    })

    it('shows "no errors yet" with a snippet, and picks up the first errors posted over HTTP', async () => {
      const empty = page.getByRole('region', {name: 'No errors yet'})
      await empty.waitFor()
      expect(await empty.locator('.code pre').textContent()).to.include('YOUR_API_KEY')

      for (let i = 0; i < 3; i++) expect(await postError(server, apiKey, typeError)).to.equal(202)
      for (let i = 0; i < 2; i++) expect(await postError(server, apiKey, httpError)).to.equal(202)
      expect(await postError(server, apiKey, slowWarning)).to.equal(202)

      // The empty page looks again every few seconds.
      await page.locator('.issue-row').nth(2).waitFor({timeout: 15_000})
      expect(await page.locator('.issue-row').count()).to.equal(3)
    })

    it('lists issues with count, first and last seen, a trend, and a chart of events', async () => {
      const row = page.locator('.issue-row', {hasText: 'TypeError'})
      expect(await row.locator('.count').textContent()).to.equal('3')
      expect(await row.textContent()).to.include('First seen').and.include('Last seen').and.include('just now')
      await row.locator('svg.spark').waitFor()
      await page.locator('.chart-svg rect.bar').first().waitFor()
      expect(await page.getByRole('img', {name: /^6 events/}).count()).to.equal(1)
      expect(await page.getByRole('heading', {name: /Events · last 7 days/}).isVisible()).to.equal(true)
    })

    it('searches with the q language', async () => {
      await page.getByLabel('Search').fill('type:TypeError')
      await page.getByLabel('Search').press('Enter')
      await page.waitForURL(/q=type%3ATypeError/)
      await waitForCount(page.locator('.issue-row'), 1)
      expect(await page.locator('.issue-row').textContent()).to.include('Cannot read properties of undefined')

      // A tag filters single events: the page shows the matching events instead.
      await page.getByLabel('Search').fill('region:us')
      await page.getByRole('button', {name: 'Search'}).click()
      await page.getByText('filters single events').waitFor()
      await waitForCount(page.locator('.event-row'), 2)
      expect(await page.locator('.event-row').allTextContents()).to.satisfy((rows: string[]) => rows.every((r) => r.includes('HttpError')))

      await page.getByLabel('Search').fill('')
      await page.getByLabel('Search').press('Enter')
      await waitForCount(page.locator('.issue-row'), 3)
    })

    it('opens an issue: the latest event in full, with a readable stack trace', async () => {
      await page.locator('.issue-row', {hasText: 'TypeError'}).getByRole('link').click()
      await page.waitForURL(/\/issues\/[0-9a-f]+$/)
      await page.getByRole('heading', {name: /TypeError/, level: 1}).waitFor()
      await page.getByRole('heading', {name: 'Latest event'}).waitFor()
      expect(await page.getByTestId('event-message').textContent()).to.equal(typeError.message)
      expect(await page.getByTestId('issue-count').textContent()).to.equal('3')

      const frames = page.locator('.frames .frame')
      expect(await frames.count()).to.equal(4)
      expect(await frames.first().locator('.frame-fn').textContent()).to.equal('computeTotal')
      expect(await frames.first().textContent()).to.include('https://shop.example.com/static/js/cart.js:42:17').and.include('in app')
      expect(await page.locator('.frame.in-app').count()).to.equal(3)
      expect(await page.locator('.frame:not(.in-app)').textContent()).to.include('react-dom')

      await page.getByRole('button', {name: 'Raw'}).click()
      expect(await page.locator('.stack-raw').textContent()).to.equal(TYPE_ERROR_STACK)
      await page.getByRole('button', {name: 'Frames'}).click()

      const tags = page.locator('.tags')
      expect(await tags.textContent()).to.include('region').and.include('eu').and.include('checkout').and.include('step 2')
      const context = await page.locator('.context').textContent()
      expect(context).to.include('Chrome 140').and.include('Linux').and.include('production').and.include('1.4.2').and.include('https://shop.example.com/cart')
      expect(await page.locator('.context-object', {hasText: 'User'}).textContent()).to.include('alice@example.com')

      // The events, and any one of them in full.
      const events = page.locator('.issue-events .event-row')
      expect(await events.count()).to.equal(3)
      await events.nth(2).getByRole('link').click()
      await page.waitForURL(/\?event=[0-9a-f]+$/)
      await page.getByRole('heading', {name: 'Event', exact: true}).waitFor()
    })

    it('resolves the issue, which moves from the Unresolved tab to Resolved', async () => {
      await page.getByRole('button', {name: 'Resolve'}).click()
      await page.locator('.issue-head [data-status="resolved"]').waitFor()
      await page.getByText('Issue resolved').waitFor()
      expect(await page.getByRole('button', {name: 'Reopen'}).isVisible()).to.equal(true)

      await page.getByRole('navigation', {name: 'Breadcrumb'}).getByRole('link', {name: 'Web shop'}).click()
      await waitForCount(page.locator('.issue-row'), 2)
      expect(await page.locator('.issues').textContent()).not.to.include('TypeError')

      await page.getByRole('link', {name: 'Resolved', exact: true}).click()
      await page.waitForURL(/status=resolved/)
      await waitForCount(page.locator('.issue-row'), 1)
      expect(await page.locator('.issue-row').textContent()).to.include('TypeError')

      await page.getByRole('link', {name: 'Unresolved', exact: true}).click()
      await waitForCount(page.locator('.issue-row'), 2)
    })

    it('exports the filtered view as CSV and NDJSON downloads', async () => {
      await page.getByLabel('Search').fill('type:HttpError')
      await page.getByLabel('Search').press('Enter')
      await waitForCount(page.locator('.issue-row'), 1)

      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', {name: 'CSV', exact: true}).click()])
      expect(csv.suggestedFilename()).to.match(/\.csv$/)
      const text = readFileSync((await csv.path())!, 'utf8')
      const lines = text.trim().split(/\r?\n/)
      expect(lines[0]).to.include('message')
      expect(lines).to.have.length(3)
      expect(text).to.include('Request failed with status 502').and.not.include('Cannot read properties')

      const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', {name: 'NDJSON'}).click()])
      expect(ndjson.suggestedFilename()).to.match(/\.ndjson$/)
      const records = readFileSync((await ndjson.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {type: string})
      expect(records.map((r) => r.type)).to.deep.equal(['HttpError', 'HttpError'])
    })

    it('edits the project', async () => {
      await page.getByRole('link', {name: 'Settings'}).click()
      await page.getByRole('heading', {name: 'Settings', level: 1}).waitFor()
      await page.getByLabel('Name').fill('Web shop (prod)')
      await page.getByLabel('Description (optional)').fill('The customer-facing shop')
      await page.getByRole('button', {name: 'Save changes'}).click()
      await page.getByText('Project saved').waitFor()
      expect(await page.getByRole('navigation', {name: 'Breadcrumb'}).textContent()).to.include('Web shop (prod)')
    })

    it('rotates the key: the new key is shown once and works, the old one is refused', async () => {
      await page.getByRole('button', {name: 'Rotate key…'}).click()
      const confirm = page.getByRole('dialog', {name: 'Rotate the API key?'})
      await confirm.getByRole('button', {name: 'Rotate key'}).click()
      const dialog = page.getByRole('dialog', {name: 'New API key for Web shop (prod)'})
      await dialog.waitFor()
      const newKey = await dialog.getByTestId('api-key').inputValue()
      expect(newKey).to.match(/^clk_/).and.not.equal(apiKey)
      expect(await dialog.locator('.code pre').textContent()).to.include(newKey)

      expect(await postError(server, apiKey, {message: 'with the old key'})).to.equal(401)
      expect(await postError(server, newKey, {message: 'with the new key'})).to.equal(202)

      await dialog.getByRole('button', {name: 'I have saved the key'}).click()
      await dialog.waitFor({state: 'detached'})
      expect(await page.getByTestId('key-prefix').textContent()).to.equal(`${newKey.slice(0, 10)}…`)
      expect(await page.content()).not.to.include(newKey)
    })

    it('creates and deletes another project, after typing its slug', async () => {
      await page.getByRole('link', {name: 'Projects'}).first().click()
      await page.getByRole('heading', {name: 'Projects', level: 1}).waitFor()
      const created = await createProjectInUi(page, 'Throwaway')
      await page.getByRole('link', {name: 'Settings'}).click()
      await page.getByRole('button', {name: 'Delete project…'}).click()
      const dialog = page.getByRole('dialog', {name: 'Delete Throwaway?'})
      const remove = dialog.getByRole('button', {name: 'Delete project'})
      expect(await remove.isDisabled()).to.equal(true)
      await dialog.getByLabel('Type throwaway to confirm').fill('throwaway')
      await remove.click()
      await page.waitForURL(/\/app\/projects$/)
      await page.getByText('Project Throwaway deleted').waitFor()
      await page.locator('.project-card').first().waitFor()
      expect(await page.locator('.project-card').count()).to.equal(1)
      expect(await page.locator(`[data-project-id="${created.id}"]`).count()).to.equal(0)
      expect(await page.locator(`[data-project-id="${projectId}"]`).count()).to.equal(1)
    })

    it('logs out: the cookie is gone and the API refuses the browser', async () => {
      await page.getByRole('button', {name: 'Log out'}).click()
      await page.waitForURL(/\/app\/login$/)
      await page.getByRole('heading', {name: 'Log in'}).waitFor()
      const res = await page.request.get('/projects')
      expect(res.status()).to.equal(401)
      await page.goto(`/app/projects/${projectId}`)
      await page.waitForURL(/\/app\/login\?next=/)
    })
  })

  describe('untrusted content', () => {
    it('renders a message like <img src=x onerror=…> as text and runs nothing', async () => {
      current = await openPage(browser, server.url)
      const {page} = current
      await signUpInUi(page, 'Mallory')
      const {apiKey} = await createProjectInUi(page, 'Hostile')
      expect(
        await postError(server, apiKey, {
          message: XSS,
          type: '<svg onload=alert(2)>',
          stack: `Error: ${XSS}\n    at <script>alert(3)</script> (https://x.example/<b>bold</b>.js:1:1)`,
          tags: {'<i>key</i>': '<script>alert(4)</script>'},
          user: {name: '<img src=y onerror=alert(5)>'},
        }),
      ).to.equal(202)
      await page.locator('.issue-row').waitFor({timeout: 15_000})
      expect(await page.locator('.issue-row .issue-msg').textContent()).to.equal(XSS)
      await page.locator('.issue-row').getByRole('link').click()
      await page.getByTestId('event-message').waitFor()
      expect(await page.getByTestId('event-message').textContent()).to.equal(XSS)
      expect(await page.locator('.frame-fn').first().textContent()).to.equal('<script>alert(3)</script>')
      expect(await page.locator('.tags').textContent()).to.include('<script>alert(4)</script>')
      expect(await page.locator('img, svg[onload], b, i').count()).to.equal(0)
      await page.waitForTimeout(300)
      expectNoProblems(current)
      await current.context.close()
      current = undefined
    })
  })

  describe('paging', () => {
    it('pages through issues with Older and Newer', async () => {
      current = await openPage(browser, server.url)
      const {page} = current
      await signUpInUi(page, 'Pager')
      const {apiKey} = await createProjectInUi(page, 'Many issues')
      // One batch of 27 different errors: 27 issues, 25 to a page.
      const batch = Array.from({length: 27}, (_, i) => ({message: `Distinct failure number ${i}`, type: `Failure${i}`}))
      expect(await postError(server, apiKey, batch)).to.equal(202)
      await waitForCount(page.locator('.issue-row'), 25, 15_000)
      const older = page.getByRole('button', {name: 'Older →'})
      const newer = page.getByRole('button', {name: '← Newer'})
      expect(await newer.isDisabled()).to.equal(true)
      await older.click()
      await waitForCount(page.locator('.issue-row'), 2)
      expect(await page.getByText('Page 2').isVisible()).to.equal(true)
      expect(await older.isDisabled()).to.equal(true)
      await newer.click()
      await waitForCount(page.locator('.issue-row'), 25)
      expectNoProblems(current)
      await current.context.close()
      current = undefined
    })
  })

  describe('two users', () => {
    it("another user cannot see or reach someone else's project", async () => {
      current = await openPage(browser, server.url)
      await signUpInUi(current.page, 'Owner')
      const {id, apiKey} = await createProjectInUi(current.page, 'Private')
      expect(await postError(server, apiKey, typeError)).to.equal(202)

      other = await openPage(browser, server.url)
      const {page} = other
      await signUpInUi(page, 'Stranger')
      await page.getByRole('heading', {name: 'No projects yet'}).waitFor()
      await page.goto(`/app/projects/${id}`)
      await page.getByRole('heading', {name: 'This project does not exist'}).waitFor()
      expect(await page.content()).not.to.include('Private')
      for (const path of [`/projects/${id}/issues`, `/projects/${id}/errors`, `/projects/${id}/errors/export?format=csv`, `/projects/${id}/stats`]) {
        expect((await page.request.get(path)).status(), path).to.equal(404)
      }
      expectNoProblems(current)
      expectNoProblems(other)
      await other.context.close()
      await current.context.close()
      other = undefined
      current = undefined
    })
  })

  describe('cookie session and CSRF, from inside the page', () => {
    it('refuses a cookie-authenticated change without the CSRF header, and accepts it with the header', async () => {
      current = await openPage(browser, server.url)
      const {page} = current
      await signUpInUi(page, 'Csrf')
      const statuses = await page.evaluate(async () => {
        const post = (headers: Record<string, string>) =>
          fetch('/projects', {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body: JSON.stringify({name: 'Via fetch'})}).then((r) => r.status)
        const csrf = decodeURIComponent(/(?:^|; )crashlog_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '')
        return {without: await post({}), wrong: await post({'x-csrf-token': 'nope'}), right: await post({'x-csrf-token': csrf})}
      })
      expect(statuses).to.deep.equal({without: 403, wrong: 403, right: 201})
      await current.context.close()
      current = undefined
    })

    it('logs in with the keyboard alone', async () => {
      const email = uniqueEmail('keys')
      const res = await fetch(`${server.url}/signup`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({name: 'Keys', email, password: PASSWORD})})
      expect(res.status).to.equal(201)
      current = await openPage(browser, server.url)
      const {page} = current
      await page.goto('/app/login')
      await page.getByRole('heading', {name: 'Log in'}).waitFor()
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.activeElement?.id)).to.equal('login-email')
      await page.keyboard.type(email)
      await page.keyboard.press('Tab')
      await page.keyboard.type(PASSWORD)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', {name: 'Projects', level: 1}).waitFor()
      expectNoProblems(current)
      await current.context.close()
      current = undefined
    })
  })

  describe('screens', () => {
    for (const [label, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      it(`saves screenshots of the main screens (${label}, ${viewport.width}px) under test-artifacts/e2e/screens`, async () => {
        current = await openPage(browser, server.url, viewport)
        const {page} = current
        const shot = (name: string) => saveScreenshot(page, 'screens', `${label}-${name}`)
        await page.goto('/app/login')
        await page.getByRole('heading', {name: 'Log in'}).waitFor()
        await shot('01-login')
        await signUpInUi(page, 'Sam Example')
        await shot('02-projects-empty')
        await page.getByLabel('Name').fill('Checkout service')
        await page.getByLabel('Description (optional)').fill('Payments and the cart API')
        await page.getByRole('button', {name: 'Create project'}).click()
        const dialog = page.getByRole('dialog', {name: 'Checkout service is ready'})
        await dialog.waitFor()
        const apiKey = await dialog.getByTestId('api-key').inputValue()
        await shot('03-key-dialog')
        await dialog.getByRole('button', {name: 'I have saved the key'}).click()
        await page.getByRole('region', {name: 'No errors yet'}).waitFor()
        await shot('04-project-no-errors')

        for (let i = 0; i < 4; i++) await postError(server, apiKey, typeError)
        for (let i = 0; i < 2; i++) await postError(server, apiKey, httpError)
        await postError(server, apiKey, slowWarning)
        await postError(server, apiKey, {message: 'Payment provider timed out after 30000 ms while confirming order 1234', type: 'TimeoutError', level: 'fatal', environment: 'production'})
        await page.locator('.issue-row').nth(3).waitFor({timeout: 15_000})
        await page.locator('.issue-row svg.spark').nth(3).waitFor()
        await shot('05-project-issues')

        await page.locator('.issue-row', {hasText: 'TypeError'}).getByRole('link').click()
        await page.locator('.frames').waitFor()
        await page.locator('.issue-events .event-row').first().waitFor()
        await shot('06-issue')

        await page.getByRole('navigation', {name: 'Breadcrumb'}).getByRole('link', {name: 'Checkout service'}).click()
        await page.getByRole('link', {name: 'Settings'}).click()
        await page.getByRole('heading', {name: 'Settings', level: 1}).waitFor()
        await shot('07-settings')

        await page.getByRole('navigation', {name: 'Breadcrumb'}).getByRole('link', {name: 'Projects'}).click()
        await page.locator('.project-card').waitFor()
        await shot('08-projects')
        expectNoProblems(current)
        await current.context.close()
        current = undefined
      })
    }
  })
})

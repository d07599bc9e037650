// Helpers for the dashboard's end-to-end tests (test/e2e): pages that record what went
// wrong inside them, and screenshots — of every failure, and of the main screens —
// under test-artifacts/e2e/ (gitignored). Chromium itself comes from ./browser.ts.

import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Browser, BrowserContext, Page} from 'playwright-core'
import {requireChromium} from './browser.js'

/** <repo>/test-artifacts/e2e, from dist/test/support/e2e.js. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url))

/** A describe() whose tests need Chromium (skipped loudly without it, failed in CI). */
export function describeWithBrowser(title: string, body: () => void): void {
  describe(title, function () {
    this.timeout(60_000)
    before(function () {
      requireChromium(this)
    })
    body()
  })
}

/** What went wrong inside a page: uncaught errors, console errors (CSP violations among them), dialogs. */
export interface PageProblems {
  errors: string[]
  dialogs: string[]
}

export interface OpenedPage {
  context: BrowserContext
  page: Page
  problems: PageProblems
}

export const DESKTOP = {width: 1280, height: 860}
export const PHONE = {width: 390, height: 844}

export async function openPage(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<OpenedPage> {
  const context = await browser.newContext({baseURL, viewport, acceptDownloads: true, locale: 'en-US', timezoneId: 'UTC'})
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const problems: PageProblems = {errors: [], dialogs: []}
  page.on('pageerror', (err) => problems.errors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    // 4xx answers the page expects (a wrong password, a 404 it renders) are logged by
    // Chromium as failed resources; anything else at error level is a real problem.
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.errors.push(`console: ${msg.text()}`)
    }
  })
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  return {context, page, problems}
}

function fileName(text: string): string {
  return text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 120).toLowerCase()
}

/** A full-page screenshot at test-artifacts/e2e/<folder>/<name>.png. */
export async function saveScreenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = join(ARTIFACTS_DIR, folder)
  mkdirSync(dir, {recursive: true})
  const file = join(dir, `${fileName(name)}.png`)
  await page.screenshot({path: file, fullPage: true})
  return file
}

/** afterEach: screenshots of the open pages of a failed test, in test-artifacts/e2e/failures/. */
export function screenshotOnFailure(pages: () => Array<Page | undefined>): void {
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return
    const title = this.currentTest.fullTitle()
    let i = 0
    for (const page of pages()) {
      if (!page || page.isClosed()) continue
      try {
        const file = await saveScreenshot(page, 'failures', i === 0 ? title : `${title}-${i}`)
        process.stderr.write(`      screenshot of the failure: ${file}\n`)
      } catch {
        // The page may have gone with the browser; the test's own error is what matters.
      }
      i += 1
    }
  })
}

import {existsSync} from 'node:fs'
import {chromium, type Browser} from 'playwright-core'

/** Debian's Chromium; never a browser download. */
export const CHROMIUM = '/usr/bin/chromium'

export function browserRequired(): boolean {
  return process.env.CRASHLOG_REQUIRE_BROWSER === '1'
}

/**
 * In a `before` hook: skips the suite loudly when Chromium is missing, or fails it
 * when CRASHLOG_REQUIRE_BROWSER=1 (as in CI).
 */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return
  if (browserRequired()) throw new Error(`${CHROMIUM} is missing and CRASHLOG_REQUIRE_BROWSER=1: apt-get install -y chromium`)
  process.stderr.write(`\n!!! ${CHROMIUM} not found: browser tests SKIPPED (apt-get install -y chromium) !!!\n\n`)
  ctx.skip()
}

/** playwright gives each launch a fresh temporary profile. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // These keep Chromium off the (closed) network of this machine.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

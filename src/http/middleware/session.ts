// The dashboard's session: the login token in an HttpOnly, SameSite=Strict cookie, so
// page scripts never hold it, plus CSRF protection for requests authenticated by that
// cookie. API clients keep using `Authorization: Bearer`, which needs none of this
// (a cross-site page cannot set that header).
//
// CSRF is checked two ways, because each one alone has a gap:
//  - Origin: a browser's Sec-Fetch-Site (or, failing that, Origin) must say the
//    request comes from this site. Behind a proxy that rewrites Host, the Origin
//    comparison could misfire, so Sec-Fetch-Site (unforgeable by page scripts) wins.
//  - Token: `X-CSRF-Token` must equal a value derived from the session token itself
//    (SHA-256 of it). The dashboard reads it from the non-HttpOnly `crashlog_csrf`
//    cookie (double submit); another site can neither read that cookie nor compute the
//    value without the HttpOnly session cookie, and it cannot plant a working pair.

import {createHash, timingSafeEqual} from 'node:crypto'
import type {Context, Next} from 'koa'
import {AppError} from '../../errors.js'

export const SESSION_COOKIE = 'crashlog_session'
export const CSRF_COOKIE = 'crashlog_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

/** Routes that start or end a session: cross-site requests to them are refused. */
export const SESSION_PATHS: ReadonlySet<string> = new Set(['/login', '/signup', '/logout'])

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export class CsrfError extends AppError {
  constructor(message: string) {
    super(403, 'csrf_failed', message)
  }
}

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase())
}

/** The CSRF token that belongs to one session token. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('crashlog-csrf\0').update(sessionToken).digest('base64url')
}

/** Seconds until the JWT expires (it was just issued by us; no verification needed here). */
function secondsLeft(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {exp?: unknown}
    if (typeof payload.exp === 'number') return Math.max(0, Math.floor(payload.exp - Date.now() / 1000))
  } catch {
    // Not a JWT we can read: a session cookie for the browser's lifetime.
  }
  return undefined
}

function cookieOptions(ctx: Context, httpOnly: boolean, maxAgeSeconds: number | undefined) {
  return {
    httpOnly,
    sameSite: 'strict' as const,
    path: '/',
    // ctx.secure honours X-Forwarded-Proto only with --trust-proxy (Koa's app.proxy).
    secure: ctx.secure,
    overwrite: true,
    ...(maxAgeSeconds === undefined ? {} : {maxAge: maxAgeSeconds * 1000}),
  }
}

/** Sets the session cookie and its CSRF cookie for a freshly issued token. */
export function startSession(ctx: Context, token: string): void {
  const maxAge = secondsLeft(token)
  ctx.cookies.set(SESSION_COOKIE, token, cookieOptions(ctx, true, maxAge))
  ctx.cookies.set(CSRF_COOKIE, csrfTokenFor(token), cookieOptions(ctx, false, maxAge))
}

/** Re-sends the CSRF cookie when the browser lost it or holds a stale one. */
export function refreshCsrfCookie(ctx: Context, token: string): void {
  const expected = csrfTokenFor(token)
  if (ctx.cookies.get(CSRF_COOKIE) !== expected) ctx.cookies.set(CSRF_COOKIE, expected, cookieOptions(ctx, false, secondsLeft(token)))
}

export function endSession(ctx: Context): void {
  ctx.cookies.set(SESSION_COOKIE, '', {...cookieOptions(ctx, true, undefined), expires: new Date(0)})
  ctx.cookies.set(CSRF_COOKIE, '', {...cookieOptions(ctx, false, undefined), expires: new Date(0)})
}

export function sessionToken(ctx: Context): string | undefined {
  const value = ctx.cookies.get(SESSION_COOKIE)
  return value ? value : undefined
}

/** Refuses a browser request that another site made. Requests without browser headers pass. */
export function assertSameOrigin(ctx: Context): void {
  const site = ctx.get('sec-fetch-site')
  if (site) {
    if (site !== 'same-origin') throw new CsrfError('cross-site request refused')
    return
  }
  const origin = ctx.get('origin')
  if (!origin) return
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    throw new CsrfError('cross-site request refused')
  }
  // Not ctx.origin: Koa 3 answers that from the Origin header itself.
  const own = `${ctx.protocol}://${ctx.host}`
  if (origin !== own && host !== ctx.host) throw new CsrfError('cross-site request refused')
}

/** For a state-changing request authenticated by the session cookie. */
export function assertCsrf(ctx: Context, token: string): void {
  if (isSafeMethod(ctx.method)) return
  assertSameOrigin(ctx)
  const given = Buffer.from(ctx.get(CSRF_HEADER))
  const expected = Buffer.from(csrfTokenFor(token))
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new CsrfError(`missing or wrong ${CSRF_HEADER} header (send the value of the ${CSRF_COOKIE} cookie)`)
  }
}

/** Before the routes: requests that log in, sign up or log out must come from this site. */
export async function sessionRouteGuard(ctx: Context, next: Next): Promise<void> {
  if (!isSafeMethod(ctx.method) && SESSION_PATHS.has(ctx.path)) assertSameOrigin(ctx)
  await next()
}

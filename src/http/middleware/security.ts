import type {Context, Next} from 'koa'

/** Headers every response carries; the API is JSON, never a page to frame or sniff. */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('X-Content-Type-Options', 'nosniff')
  ctx.set('X-Frame-Options', 'DENY')
  ctx.set('Referrer-Policy', 'no-referrer')
  // JSON loads nothing; the dashboard's pages set their own policy (routes/ui.ts).
  ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'")
  ctx.set('Cache-Control', 'no-store')
  await next()
}

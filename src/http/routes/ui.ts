// Serves the dashboard: the static files that `npm run build` puts in dist/ui/
// (scripts/build-ui.mjs). The dashboard owns `/` and everything under `/app`; every
// other path belongs to the API, so no API route can ever be shadowed by the pages.
//
//   /, /app, /app/...        index.html (no-cache; the client-side router picks the screen)
//   /app/assets/<name>-<hash>.<ext>   immutable, cached for a year
//
// Files are read once at start (the whole dashboard is a few hundred KB) and gzipped
// once, so serving costs no disk I/O.

import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {extname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import type {Context, Next} from 'koa'

export const ASSET_PREFIX = '/app/assets/'

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}
const COMPRESSIBLE = new Set(['.js', '.css', '.html', '.svg', '.map', '.json', '.txt'])

/**
 * The pages' policy: scripts, styles, images and API calls only from crashlog itself;
 * no inline script or style, no plugins, no framing, no <base> tricks, forms only here.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

interface Asset {
  body: Buffer
  gzip: Buffer | null
  type: string
  etag: string
}

export interface UiBundle {
  /** Where the files were found; null when the dashboard has not been built. */
  dir: string | null
  index: Asset | null
  assets: Map<string, Asset>
}

function asset(body: Buffer, ext: string): Asset {
  const compress = COMPRESSIBLE.has(ext) && body.length > 1024
  return {
    body,
    gzip: compress ? gzipSync(body, {level: 9}) : null,
    type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  }
}

/** dist/ui next to the compiled server (dist/src/http/routes), or under dist/ when run from src/. */
export function defaultUiDir(): string | null {
  const here = fileURLToPath(new URL('.', import.meta.url))
  for (const candidate of [resolve(here, '../../../ui'), resolve(here, '../../../dist/ui')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate
  }
  return null
}

const loaded = new Map<string, UiBundle>()

export function loadUi(dir: string | null = defaultUiDir()): UiBundle {
  if (dir === null) return {dir: null, index: null, assets: new Map()}
  const cached = loaded.get(dir)
  if (cached) return cached
  const assets = new Map<string, Asset>()
  const assetDir = join(dir, 'assets')
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      assets.set(name, asset(readFileSync(join(assetDir, name)), extname(name)))
    }
  }
  const bundle: UiBundle = {dir, index: asset(readFileSync(join(dir, 'index.html')), '.html'), assets}
  loaded.set(dir, bundle)
  return bundle
}

function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/app' || path.startsWith('/app/')
}

function send(ctx: Context, file: Asset, cacheControl: string): void {
  ctx.set('Cache-Control', cacheControl)
  ctx.set('Vary', 'Accept-Encoding')
  ctx.type = file.type
  ctx.etag = file.etag
  ctx.status = 200
  if (ctx.fresh) {
    ctx.status = 304
    return
  }
  if (file.gzip && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip')
    ctx.body = file.gzip
  } else {
    ctx.body = file.body
  }
}

/** A Koa middleware: GET and HEAD of `/`, `/app` and `/app/...`; everything else passes on. */
export function uiRoutes(bundle: UiBundle = loadUi()) {
  return async function serveUi(ctx: Context, next: Next): Promise<void> {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !isDashboardPath(ctx.path)) return next()
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin')
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin')

    if (ctx.path.startsWith(ASSET_PREFIX)) {
      const file = bundle.assets.get(ctx.path.slice(ASSET_PREFIX.length))
      if (!file) {
        ctx.status = 404
        ctx.body = {error: {code: 'not_found', message: `no dashboard file ${ctx.path}`}}
        return
      }
      // Names carry a content hash: a changed file is a new name, so caching forever is safe.
      send(ctx, file, 'public, max-age=31536000, immutable')
      return
    }

    ctx.set('Content-Security-Policy', PAGE_CSP)
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()')
    if (!bundle.index) {
      ctx.status = 503
      ctx.type = 'text/plain; charset=utf-8'
      ctx.body = 'The crashlog dashboard has not been built. Run `npm run build`, then start `crashlog serve` again.\n'
      return
    }
    // Always revalidated, so a new release's asset names are picked up at once.
    send(ctx, bundle.index, 'no-cache')
  }
}

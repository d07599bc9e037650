// A fixed corpus of realistic error reports for the ingest benchmark: the same
// bodies on every run (seeded), built from a few dozen error kinds so fingerprints
// repeat the way they do in production. Sizes: most ~1.5 KB, some 4–32 KB (long
// stacks, big client context).

export interface Corpus {
  /** One JSON body per entry (a single error object). */
  bodies: string[]
  /** The parsed objects, for building batch bodies. */
  objects: Record<string, unknown>[]
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rand = () => number
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
const hex = (r: Rand, n: number): string => Array.from({length: n}, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('')
const uuid = (r: Rand): string => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`

type StackStyle = 'v8' | 'gecko' | 'node'

interface Kind {
  type: string
  message: (r: Rand) => string
  style: StackStyle
  /** In-app frames at the top of the stack: [file, function]. These decide the group. */
  top: Array<[string, string]>
  platform: string
  customFingerprint?: string[]
}

const WEB = 'https://shop.example.com/static/js'
const SRV = '/srv/app/dist'

const KINDS: Kind[] = [
  {type: 'TypeError', message: () => "Cannot read properties of undefined (reading 'price')", style: 'v8', platform: 'javascript',
    top: [[`${WEB}/cart.4f1c2a.js`, 'CartLine.render'], [`${WEB}/cart.4f1c2a.js`, 'renderLines'], [`${WEB}/main.9ab31e.js`, 'CartPage']]},
  {type: 'TypeError', message: () => "Cannot read properties of null (reading 'addEventListener')", style: 'v8', platform: 'javascript',
    top: [[`${WEB}/main.9ab31e.js`, 'initMenu'], [`${WEB}/main.9ab31e.js`, 'boot']]},
  {type: 'TypeError', message: () => "undefined is not an object (evaluating 'e.items.length')", style: 'gecko', platform: 'javascript',
    top: [[`${WEB}/search.77d0b2.js`, 'SearchResults'], [`${WEB}/search.77d0b2.js`, 'useResults']]},
  {type: 'TypeError', message: () => 'e.items is undefined', style: 'gecko', platform: 'javascript',
    top: [[`${WEB}/search.77d0b2.js`, 'SearchResults'], [`${WEB}/search.77d0b2.js`, 'useResults']]},
  {type: 'ReferenceError', message: () => 'gtag is not defined', style: 'v8', platform: 'javascript',
    top: [[`${WEB}/analytics.1b2c3d.js`, 'track'], [`${WEB}/main.9ab31e.js`, 'onRouteChange']]},
  {type: 'ChunkLoadError', message: (r) => `Loading chunk ${int(r, 100, 999)} failed. (error: ${WEB}/${int(r, 100, 999)}.${hex(r, 6)}.js)`, style: 'v8', platform: 'javascript',
    top: [[`${WEB}/runtime.0a0b0c.js`, 'requireEnsure'], [`${WEB}/main.9ab31e.js`, 'lazyRoute']]},
  {type: 'Error', message: (r) => `Request failed with status code ${pick(r, [500, 502, 503, 504])}`, style: 'v8', platform: 'javascript',
    top: [[`${WEB}/api.5e6f70.js`, 'settle'], [`${WEB}/api.5e6f70.js`, 'onloadend']]},
  {type: 'AxiosError', message: () => 'Network Error', style: 'v8', platform: 'javascript',
    top: [[`${WEB}/api.5e6f70.js`, 'handleError'], [`${WEB}/api.5e6f70.js`, 'XMLHttpRequest.onerror']]},
  {type: 'Error', message: () => 'Minified React error #418; visit https://react.dev/errors/418 for the full message', style: 'v8', platform: 'javascript',
    top: [[`${WEB}/react-dom.production.min.js`, 'throwOnHydrationMismatch'], [`${WEB}/main.9ab31e.js`, 'hydrateRoot']]},
  {type: 'SyntaxError', message: () => "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON", style: 'v8', platform: 'javascript',
    top: [[`${WEB}/api.5e6f70.js`, 'parseJson'], [`${WEB}/api.5e6f70.js`, 'fetchJson']]},
  {type: 'RangeError', message: () => 'Maximum call stack size exceeded', style: 'v8', platform: 'javascript',
    top: [[`${WEB}/tree.c0ffee.js`, 'walk'], [`${WEB}/tree.c0ffee.js`, 'walk']]},
  {type: 'Error', message: (r) => `ResizeObserver loop completed with undelivered notifications (${int(r, 1, 9)})`, style: 'gecko', platform: 'javascript',
    top: [[`${WEB}/layout.aa11bb.js`, 'observe']]},
  {type: 'QuotaExceededError', message: () => "Failed to execute 'setItem' on 'Storage': Setting the value of 'cart' exceeded the quota.", style: 'v8', platform: 'javascript',
    top: [[`${WEB}/storage.33cc44.js`, 'persist'], [`${WEB}/cart.4f1c2a.js`, 'saveCart']]},
  {type: 'TypeError', message: () => 'Failed to fetch', style: 'v8', platform: 'javascript',
    top: [[`${WEB}/api.5e6f70.js`, 'request'], [`${WEB}/checkout.d4e5f6.js`, 'submitOrder']],
    customFingerprint: ['checkout', 'network']},
  {type: 'PaymentError', message: (r) => `Payment provider timeout after ${int(r, 5000, 30000)} ms for order ${uuid(r)}`, style: 'v8', platform: 'javascript',
    top: [[`${WEB}/checkout.d4e5f6.js`, 'pay'], [`${WEB}/checkout.d4e5f6.js`, 'submitOrder']],
    customFingerprint: ['checkout', 'payment-timeout']},
  {type: 'TypeError', message: () => "Cannot destructure property 'id' of 'user' as it is undefined.", style: 'node', platform: 'node',
    top: [[`${SRV}/routes/orders.js`, 'getOrder'], [`${SRV}/middleware/auth.js`, 'requireUser']]},
  {type: 'MongoServerError', message: (r) => `E11000 duplicate key error collection: shop.orders index: ref_1 dup key: { ref: "${hex(r, 10)}" }`, style: 'node', platform: 'node',
    top: [[`${SRV}/db/orders.js`, 'insertOrder'], [`${SRV}/routes/orders.js`, 'createOrder']]},
  {type: 'Error', message: (r) => `connect ECONNREFUSED 10.0.${int(r, 0, 9)}.${int(r, 2, 250)}:6379`, style: 'node', platform: 'node',
    top: [[`${SRV}/cache/redis.js`, 'connect'], [`${SRV}/cache/redis.js`, 'get']]},
  {type: 'Error', message: (r) => `ETIMEDOUT: upstream inventory service did not answer within ${int(r, 1000, 9000)}ms (request ${uuid(r)})`, style: 'node', platform: 'node',
    top: [[`${SRV}/clients/inventory.js`, 'reserve'], [`${SRV}/routes/checkout.js`, 'placeOrder']]},
  {type: 'ValidationError', message: (r) => `"quantity" must be less than or equal to ${int(r, 10, 99)}`, style: 'node', platform: 'node',
    top: [[`${SRV}/validation/cart.js`, 'validateLine'], [`${SRV}/routes/cart.js`, 'updateCart']]},
  {type: 'UnhandledRejection', message: (r) => `Job ${hex(r, 12)} failed: lock not acquired after ${int(r, 3, 10)} attempts`, style: 'node', platform: 'node',
    top: [[`${SRV}/jobs/worker.js`, 'runJob'], [`${SRV}/jobs/lock.js`, 'acquire']]},
  {type: 'SequelizeConnectionError', message: () => 'too many connections for role "shop"', style: 'node', platform: 'node',
    top: [[`${SRV}/db/pool.js`, 'acquire'], [`${SRV}/db/orders.js`, 'findOrder']]},
  {type: 'Error', message: (r) => `Template render failed for locale ${pick(r, ['de-DE', 'fr-FR', 'en-GB', 'es-ES'])}: missing key "checkout.summary.${pick(r, ['tax', 'shipping', 'total'])}"`, style: 'node', platform: 'node',
    top: [[`${SRV}/i18n/render.js`, 'translate'], [`${SRV}/views/checkout.js`, 'render']]},
  {type: 'TypeError', message: () => "NetworkError when attempting to fetch resource.", style: 'gecko', platform: 'javascript',
    top: [[`${WEB}/api.5e6f70.js`, 'request'], [`${WEB}/account.0f9e8d.js`, 'loadOrders']]},
]

// Library frames (not in-app): they vary from report to report without changing the group.
const VENDOR_V8: Array<[string, string]> = [
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'commitRoot'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'performSyncWorkOnRoot'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'flushSyncCallbacks'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'batchedUpdates$1'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'dispatchDiscreteEvent'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'renderWithHooks'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'beginWork'],
  ['https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.production.min.js', 'workLoopSync'],
]
const VENDOR_NODE: Array<[string, string]> = [
  ['/srv/app/node_modules/koa-compose/index.js', 'dispatch'],
  ['/srv/app/node_modules/@koa/router/lib/layer.js', 'Layer.handle'],
  ['/srv/app/node_modules/koa/lib/application.js', 'Application.handleRequest'],
  ['node:internal/process/task_queues', 'process.processTicksAndRejections'],
  ['node:events', 'Server.emit'],
  ['node:_http_server', 'parserOnIncoming'],
]

function frameLine(r: Rand, style: StackStyle, file: string, fn: string): string {
  const line = int(r, 1, 4000)
  const col = int(r, 1, 220)
  const bust = style === 'node' ? '' : `?v=${hex(r, 8)}`
  if (style === 'gecko') return `${fn}@${file}${bust}:${line}:${col}`
  return `    at ${fn} (${file}${bust}:${line}:${col})`
}

function buildStack(r: Rand, kind: Kind, message: string, frames: number): string {
  const head = kind.style === 'gecko' ? '' : `${kind.type}: ${message}\n`
  const lines: string[] = kind.top.map(([file, fn]) => frameLine(r, kind.style, file, fn))
  const vendor = kind.style === 'node' ? VENDOR_NODE : VENDOR_V8
  while (lines.length < frames) {
    const [file, fn] = pick(r, vendor)
    lines.push(frameLine(r, kind.style, file, fn))
  }
  return head + lines.join('\n')
}

const BROWSERS = [
  {browser: {name: 'Chrome', version: '131.0.6778.86'}, os: {name: 'Windows', version: '10'}},
  {browser: {name: 'Chrome', version: '130.0.6723.117'}, os: {name: 'Android', version: '14'}},
  {browser: {name: 'Safari', version: '18.1'}, os: {name: 'iOS', version: '18.1.1'}},
  {browser: {name: 'Firefox', version: '133.0'}, os: {name: 'Linux', version: ''}},
  {browser: {name: 'Edge', version: '131.0.2903.70'}, os: {name: 'Windows', version: '11'}},
]
const PAGES = ['/cart', '/checkout/payment', '/search?q=running+shoes&page=2', '/account/orders', '/product/trail-runner-3-gtx', '/']

function buildError(r: Rand, kind: Kind, targetBytes: number): Record<string, unknown> {
  const b = pick(r, BROWSERS)
  const node = kind.style === 'node'
  const body: Record<string, unknown> = {
    message: kind.message(r),
    type: kind.type,
    level: r() < 0.9 ? 'error' : pick(r, ['fatal', 'warning']),
    environment: r() < 0.85 ? 'production' : 'staging',
    release: `shop@${pick(r, ['4.12.0', '4.12.1', '4.13.0'])}+${hex(r, 7)}`,
    platform: kind.platform,
    tags: {
      page: pick(r, ['cart', 'checkout', 'search', 'account', 'product', 'home']),
      locale: pick(r, ['en-GB', 'de-DE', 'fr-FR', 'es-ES']),
      region: pick(r, ['eu-west-1', 'eu-central-1', 'us-east-1']),
      experiment: pick(r, ['control', 'new-checkout', 'fast-search']),
      ...(node ? {host: `web-${int(r, 1, 12)}`, route: pick(r, ['GET /orders/:id', 'POST /cart', 'POST /checkout'])} : {viewport: pick(r, ['mobile', 'tablet', 'desktop'])}),
    },
    user: {id: `u_${int(r, 1, 250000)}`, segment: pick(r, ['guest', 'member', 'vip'])},
  }
  if (!node) {
    body.url = `https://shop.example.com${pick(r, PAGES)}`
    body.browser = b.browser
    body.os = b.os
    body.client = {screen: pick(r, ['1920x1080', '390x844', '1440x900']), connection: pick(r, ['4g', 'wifi', '3g']), memory: pick(r, [4, 8, 16])}
  } else {
    body.client = {node: '20.18.1', pid: int(r, 1000, 60000), requestId: uuid(r)}
  }
  if (kind.customFingerprint) body.fingerprint = kind.customFingerprint
  // The stack takes what is left of the size budget; large reports also carry a big
  // client context (breadcrumbs), as SDKs send.
  const frameBytes = node ? 80 : 120
  let frames = Math.max(kind.top.length + 2, Math.round((targetBytes - JSON.stringify(body).length - 60) / frameBytes))
  if (frames > 180) {
    const crumbs = Math.min(45, Math.round((targetBytes - 180 * frameBytes - JSON.stringify(body).length) / 160))
    const breadcrumbs: Record<string, string> = {}
    for (let i = 0; i < crumbs; i++) {
      breadcrumbs[`crumb${String(i).padStart(2, '0')}`] = `${pick(r, ['ui.click', 'navigation', 'xhr', 'console'])} ${pick(r, PAGES)} ${hex(r, 24)} ${'·'.repeat(int(r, 40, 90))}`
    }
    if (crumbs > 0) body.client = {...(body.client as object), breadcrumbs: JSON.stringify(breadcrumbs)}
    frames = Math.max(kind.top.length + 2, Math.round((targetBytes - JSON.stringify(body).length - 60) / frameBytes))
  }
  body.stack = buildStack(r, kind, body.message as string, Math.min(frames, 190))
  return body
}

/** Target body size for one corpus entry: 85 % ~1.5 KB, 9 % 4–8 KB, 4 % 8–16 KB, 2 % 16–32 KB. */
function targetSize(r: Rand): number {
  const x = r()
  if (x < 0.85) return int(r, 1200, 1800)
  if (x < 0.94) return int(r, 4096, 8192)
  if (x < 0.98) return int(r, 8192, 16384)
  return int(r, 16384, 32768)
}

export function buildCorpus(size = 500, seed = 20241203): Corpus {
  const r = rng(seed)
  const objects: Record<string, unknown>[] = []
  for (let i = 0; i < size; i++) {
    // A skewed choice of kind: a few errors make most of the traffic, as in production.
    const k = Math.min(KINDS.length - 1, Math.floor(KINDS.length * r() * r()))
    objects.push(buildError(r, KINDS[k], targetSize(r)))
  }
  return {bodies: objects.map((o) => JSON.stringify(o)), objects}
}

/** Bodies of `perRequest` errors each (JSON arrays), for filling a database fast through HTTP. */
export function buildBatchBodies(corpus: Corpus, count: number, perRequest: number, seed = 7): string[] {
  const r = rng(seed)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const batch: Record<string, unknown>[] = []
    for (let j = 0; j < perRequest; j++) batch.push(corpus.objects[Math.floor(r() * corpus.objects.length)])
    out.push(JSON.stringify(batch))
  }
  return out
}

export interface CorpusStats {
  count: number
  meanBytes: number
  p50Bytes: number
  p90Bytes: number
  maxBytes: number
  over4k: number
}

export function corpusStats(bodies: string[]): CorpusStats {
  const sizes = bodies.map((b) => Buffer.byteLength(b)).sort((a, b) => a - b)
  const q = (p: number): number => sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))]
  return {
    count: sizes.length,
    meanBytes: Math.round(sizes.reduce((s, x) => s + x, 0) / sizes.length),
    p50Bytes: q(0.5),
    p90Bytes: q(0.9),
    maxBytes: sizes[sizes.length - 1],
    over4k: sizes.filter((s) => s >= 4096).length,
  }
}

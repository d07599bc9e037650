// The load generator, run as its own process (fork of dist/bench/load.js) so it
// does not share an event loop with the orchestrator: it gets one job over IPC,
// drives the target with autocannon and sends back a summary.

import {createRequire} from 'node:module'
import autocannon from 'autocannon'
import {buildBatchBodies, buildCorpus} from './corpus.js'

// autocannon builds the raw bytes of every request in the list once per connection
// (50 × 500 builds, seconds of start-up on this machine). Every connection sends the
// same method, path and headers, so the bytes depend on the body alone: build each
// body's request once and share it.
interface Iterator {
  currentRequest?: {body?: unknown; setupRequest?: unknown; requestBuffer?: Buffer}
  resetted: boolean
}
const RequestIterator = createRequire(import.meta.url)('autocannon/lib/requestIterator.js') as {prototype: {rebuildRequest: (this: Iterator) => unknown}}
const rebuild = RequestIterator.prototype.rebuildRequest
const built = new Map<string, Buffer>()
RequestIterator.prototype.rebuildRequest = function (this: Iterator) {
  const req = this.currentRequest
  const key = req && typeof req.body === 'string' && req.setupRequest === undefined ? req.body : undefined
  const hit = key === undefined ? undefined : built.get(key)
  if (hit) {
    this.resetted = false
    req!.requestBuffer = hit
    return hit
  }
  const data = rebuild.call(this)
  if (key !== undefined && req!.requestBuffer) built.set(key, req!.requestBuffer)
  return data
}

export interface LoadJob {
  url: string
  apiKey: string
  connections: number
  /** Seconds; ignored when amount is set. */
  duration?: number
  /** Exact number of requests (autocannon waits for every answer). */
  amount?: number
  /** 'single': one error per request; 'batch': JSON arrays of batchSize errors. */
  mode: 'single' | 'batch'
  batchSize?: number
}

export interface LoadResult {
  /** Answers per second over the run (completed requests / elapsed). */
  rps: number
  /** autocannon's per-second request histogram (mean, stddev of the 1 s samples). */
  rpsMean: number
  rpsStddev: number
  p50: number
  p90: number
  p99: number
  max: number
  /** Requests written to a socket, answers received, and 202 answers among them. */
  sent: number
  answered: number
  accepted: number
  /** Events behind the 202s (batch mode: × batchSize). */
  acceptedEvents: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  seconds: number
  bytesPerSecond: number
}

async function run(job: LoadJob): Promise<LoadResult> {
  const corpus = buildCorpus()
  const perRequest = job.mode === 'batch' ? (job.batchSize ?? 100) : 1
  const bodies = job.mode === 'batch' ? buildBatchBodies(corpus, 40, perRequest) : corpus.bodies
  const started = process.hrtime.bigint()
  const result = await autocannon({
    url: `${job.url}/log-error`,
    method: 'POST',
    connections: job.connections,
    pipelining: 1,
    ...(job.amount !== undefined ? {amount: job.amount} : {duration: job.duration ?? 10}),
    timeout: 30,
    headers: {'content-type': 'application/json', 'x-api-key': job.apiKey},
    // Built once and cycled through by every connection (no per-request work in the generator).
    requests: bodies.map((body) => ({method: 'POST' as const, path: '/log-error', body})),
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stat as {count?: number}).count ?? 0
  const accepted = statusCodes['202'] ?? 0
  return {
    rps: result.requests.total / result.duration,
    rpsMean: result.requests.mean,
    rpsStddev: result.requests.stddev,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    sent: result.requests.sent,
    answered: result.requests.total,
    accepted,
    acceptedEvents: accepted * perRequest,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    seconds,
    bytesPerSecond: result.throughput.mean,
  }
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ok: true, result}, () => process.exit(0)),
    (err: unknown) => process.send!({ok: false, error: err instanceof Error ? err.stack : String(err)}, () => process.exit(1)),
  )
})

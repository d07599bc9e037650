// The baseline: a bare Node http server that reads the whole body and answers 202
// with a small JSON id — what this machine can do with no parsing, validation or
// storage at all. Prints "listening on http://…" like crashlog serve.
//
// With `--durable <file>` it is the ceiling for *durable* 202s instead: each body is
// written to the file and answered only after an fdatasync that covers it, with
// group commit (the bodies that arrive while one fdatasync runs share the next) —
// crashlog's own write model with no parsing, no indexes and no database. The file is
// written in full first and then overwritten in a ring, as SQLite reuses its WAL: an
// fdatasync then flushes data only, no file-size change (the cheapest case).

import {randomBytes} from 'node:crypto'
import {fdatasync, fdatasyncSync, openSync, write, writeSync} from 'node:fs'
import {createServer, type ServerResponse} from 'node:http'
import {promisify} from 'node:util'

let n = 0
const prefix = randomBytes(6).toString('hex')
const durableAt = process.argv.indexOf('--durable')
const fd = durableAt < 0 ? null : openSync(process.argv[durableAt + 1] as string, 'w')
const RING_BYTES = 256 * 1024 * 1024
if (fd !== null) {
  const zeros = Buffer.alloc(1024 * 1024)
  for (let at = 0; at < RING_BYTES; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at)
  fdatasyncSync(fd)
}
let position = 0

function answer(res: ServerResponse, bytes: number): void {
  const reply = JSON.stringify({id: `${prefix}${(n++).toString(36)}`, bytes})
  res.writeHead(202, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply)})
  res.end(reply)
}

const writeAsync = promisify(write) as (fd: number, data: Buffer, offset: number, length: number, position: number) => Promise<unknown>
const fdatasyncAsync = promisify(fdatasync)

let queued: {body: Buffer; res: ServerResponse}[] = []
let flushing = false

async function flush(): Promise<void> {
  flushing = true
  while (queued.length > 0) {
    const batch = queued
    queued = []
    const data = Buffer.concat(batch.map((q) => q.body))
    if (position + data.length > RING_BYTES) position = 0
    await writeAsync(fd as number, data, 0, data.length, position)
    position += data.length
    await fdatasyncAsync(fd as number)
    for (const q of batch) answer(q.res, q.body.length)
  }
  flushing = false
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    if (fd === null) return answer(res, body.length)
    queued.push({body, res})
    if (!flushing) void flush()
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  process.stdout.write(`bare server listening on http://127.0.0.1:${address.port}\n`)
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))

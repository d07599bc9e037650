// The baseline: a bare Node http server that reads the whole body and answers 202
// with a small JSON id — what this machine can do with no parsing, validation or
// storage at all. Prints "listening on http://…" like crashlog serve.

import {randomBytes} from 'node:crypto'
import {createServer} from 'node:http'

let n = 0
const prefix = randomBytes(6).toString('hex')

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    const reply = JSON.stringify({id: `${prefix}${(n++).toString(36)}`, bytes: body.length})
    res.writeHead(202, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply)})
    res.end(reply)
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  process.stdout.write(`bare server listening on http://127.0.0.1:${address.port}\n`)
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))

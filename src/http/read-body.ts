import type {IncomingMessage} from 'node:http'
import type {Transform} from 'node:stream'
import {createBrotliDecompress, createGunzip, createInflate} from 'node:zlib'
import {AppError, PayloadTooLargeError, UnsupportedMediaTypeError} from '../errors.js'

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
}

/**
 * The request body, decompressed, as one Buffer. The cap applies to the decompressed
 * bytes and is enforced while streaming, so a compression bomb costs at most
 * `limitBytes` of memory before it is refused with 413.
 */
export function readBody(req: IncomingMessage, limitBytes: number, encodings: readonly string[] = ['gzip', 'x-gzip', 'deflate']): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  let decoder: Transform | undefined
  if (encoding !== 'identity' && encoding !== '') {
    if (!encodings.includes(encoding) || !DECODERS[encoding]) {
      return Promise.reject(new UnsupportedMediaTypeError(`Content-Encoding identity, ${encodings.join(', ')}`))
    }
    decoder = DECODERS[encoding]()
  } else {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(new PayloadTooLargeError(limitBytes))
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const source = decoder ? req.pipe(decoder) : req
    const finish = (err: Error | null, body?: Buffer) => {
      if (settled) return
      settled = true
      if (err) {
        decoder?.destroy()
        req.unpipe()
        // Drain what is left so the client reads our answer instead of a reset.
        req.resume()
        reject(err)
      } else resolve(body!)
    }
    source.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limitBytes) finish(new PayloadTooLargeError(limitBytes))
      else chunks.push(chunk)
    })
    source.on('end', () => finish(null, Buffer.concat(chunks, size)))
    source.on('error', (err: Error) =>
      finish(decoder && err !== null ? new AppError(400, 'invalid_encoding', `request body is not valid ${encoding} data`) : err),
    )
    req.on('aborted', () => finish(new AppError(400, 'request_aborted', 'request aborted')))
    if (decoder) req.on('error', (err) => finish(err))
  })
}

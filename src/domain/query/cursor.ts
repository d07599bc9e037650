import {createHmac, timingSafeEqual} from 'node:crypto'
import {ValidationError} from '../../errors.js'

/**
 * Opaque, tamper-safe cursors: the position as JSON, signed with an HMAC. A cursor
 * that was not issued by this server (or altered) is a 400, never a query.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(kind: string, position: unknown): string {
    const payload = Buffer.from(JSON.stringify({k: kind, p: position})).toString('base64url')
    return `${payload}.${this.sign(payload)}`
  }

  decode<T>(kind: string, cursor: string, validate: (position: unknown) => position is T): T {
    const bad = () => new ValidationError('invalid cursor: pass back a nextCursor exactly as received', [{path: 'cursor', message: 'is not a valid cursor'}])
    const [payload, signature, extra] = cursor.split('.')
    if (!payload || !signature || extra !== undefined || cursor.length > 512) throw bad()
    const expected = Buffer.from(this.sign(payload))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad()
    let parsed: {k?: unknown; p?: unknown}
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      throw bad()
    }
    if (parsed.k !== kind || !validate(parsed.p)) throw bad()
    return parsed.p
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update('cursor\0' + payload).digest('base64url').slice(0, 32)
  }
}

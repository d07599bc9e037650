// Typed errors. Each knows its HTTP status and CLI exit code, so the HTTP error
// middleware and the oclif command base map them without guessing.

export interface ErrorDetail {
  path: string
  message: string
}

export class AppError extends Error {
  readonly status: number
  readonly code: string
  readonly details?: ErrorDetail[]
  /** Headers the HTTP response must carry (Koa drops headers set before a throw). */
  readonly headers: Record<string, string>
  readonly exitCode: number

  constructor(
    status: number,
    code: string,
    message: string,
    options: {details?: ErrorDetail[]; headers?: Record<string, string>; exitCode?: number; cause?: unknown} = {},
  ) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.status = status
    this.code = code
    this.details = options.details
    this.headers = options.headers ?? {}
    this.exitCode = options.exitCode ?? 1
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super(400, 'invalid_request', message, {details, exitCode: 2})
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required') {
    super(401, 'unauthorized', message)
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'forbidden') {
    super(403, 'forbidden', message)
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super(404, 'not_found', message)
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super(409, 'conflict', message, {details})
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`)
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected = 'application/json') {
    super(415, 'unsupported_media_type', `Content-Type must be ${expected}`)
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'too many requests', headers: Record<string, string> = {}) {
    const retryAfter = String(Math.max(1, Math.ceil(retryAfterSeconds)))
    super(429, 'rate_limited', message, {headers: {...headers, 'Retry-After': retryAfter}})
  }
}

export class UnavailableError extends AppError {
  constructor(message = 'database unavailable', retryAfterSeconds = 5, cause?: unknown) {
    super(503, 'unavailable', message, {headers: {'Retry-After': String(retryAfterSeconds)}, exitCode: 3, cause})
  }
}

/** A configuration value or flag that cannot be used; the message names it. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super(500, 'config_error', message, {exitCode: 2})
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}

import {Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction} from 'ajv'
import addFormatsModule, {type FormatsPlugin} from 'ajv-formats'
import {ValidationError, type ErrorDetail} from '../errors.js'

// ajv-formats is CommonJS: at run time the default import is the plugin itself.
const addFormats = addFormatsModule as unknown as FormatsPlugin

/** One shared AJV instance: every schema compiled once, at import time. */
export const ajv = new Ajv({allErrors: true, strict: true, useDefaults: false, coerceTypes: false})
addFormats(ajv, ['email', 'date-time', 'uri'])

/** `/tags/a` → `tags.a`; the root is `body`-relative, so an empty path names the whole value. */
function toPath(instancePath: string, prefix: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  const path = parts.join('.')
  if (!prefix) return path
  return path ? `${prefix}.${path}` : prefix
}

export function describeAjvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): ErrorDetail[] {
  const details: ErrorDetail[] = []
  for (const e of errors ?? []) {
    let path = toPath(e.instancePath, prefix)
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as {additionalProperty: string}).additionalProperty)
      path = path ? `${path}.${extra}` : extra
      message = 'is not an allowed field'
    } else if (e.keyword === 'required') {
      const missing = String((e.params as {missingProperty: string}).missingProperty)
      path = path ? `${path}.${missing}` : missing
      message = 'is required'
    }
    if (!details.some((d) => d.path === path && d.message === message)) details.push({path: path || '(body)', message})
  }
  return details
}

export interface Validator<T> {
  /** `prefix` names where the value sits, e.g. `[3]` for an element of a batch. */
  (value: unknown, prefix?: string): T
  schema: object
}

/** Compiles a schema into a function that returns the typed value or throws ValidationError. */
export function compileValidator<T>(schema: JSONSchemaType<T> | object, what = 'request body', defaultPrefix = ''): Validator<T> {
  const check = ajv.compile(schema) as ValidateFunction<T>
  const validate = ((value: unknown, prefix = defaultPrefix): T => {
    if (check(value)) return value
    const details = describeAjvErrors(check.errors, prefix)
    const first = details[0]
    throw new ValidationError(first ? `invalid ${what}: ${first.path} ${first.message}` : `invalid ${what}`, details)
  }) as Validator<T>
  validate.schema = schema
  return validate
}

// Limits are in bytes (what a client pays for), not UTF-16 code units.
ajv.addKeyword({
  keyword: 'maxBytes',
  type: 'string',
  schemaType: 'number',
  error: {message: ({schema}) => `must be at most ${String(schema)} bytes`},
  validate: (max: number, data: string) => Buffer.byteLength(data, 'utf8') <= max,
})

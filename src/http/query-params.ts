import type {ParsedUrlQuery} from 'node:querystring'
import {ValidationError} from '../errors.js'

/**
 * The query string as plain strings: only the named parameters, each at most once.
 * `type[$ne]=x` or `limit=1&limit=2` are a 400 — never an object or array that a
 * store could read as an operator.
 */
export function queryParams<K extends string>(query: ParsedUrlQuery, allowed: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {}
  for (const [key, value] of Object.entries(query)) {
    if (!(allowed as readonly string[]).includes(key)) {
      const shown = key.slice(0, 40)
      throw new ValidationError(`unknown query parameter "${shown}"`, [{path: shown, message: `is not a parameter here; use ${allowed.join(', ')}`}])
    }
    if (Array.isArray(value)) throw new ValidationError(`query parameter "${key}" is given more than once`, [{path: key, message: 'must be given once'}])
    if (value !== undefined) out[key as K] = value
  }
  return out
}

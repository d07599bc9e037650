// Free-form parts of an event (tags, client, user, sdk, …) come from clients and
// may hold keys MongoDB-compatible servers refuse or treat specially: FerretDB 1.24
// rejects any key containing "." or starting with "$" (Sentry tags such as
// "os.name" are common), and rejects arrays nested directly in arrays. This codec
// makes any JSON-like value storable and gives it back unchanged:
//   - in keys, "%" → "%25", "." → "%2E", a leading "$" → "%24";
//   - an array directly inside an array is wrapped as {"%a": [...]}; "%a" cannot be
//     an encoded user key, because an encoded key never holds a bare "%" + "a".
// Dates (and other non-plain objects) pass through untouched.

const ARRAY_MARK = '%a'

/** The stored form of one field name; use it to build query paths such as `tags.<encoded>`. */
export function encodeFieldName(key: string): string {
  let out = key.replace(/%/g, '%25').replace(/\./g, '%2E')
  if (out.startsWith('$')) out = `%24${out.slice(1)}`
  return out
}

export function decodeFieldName(key: string): string {
  if (!key.includes('%')) return key
  // One left-to-right pass, so "%252E" (an original "%2E") decodes to "%2E", not ".".
  return key.replace(/%(25|2E|24)/g, (_, code: string) => (code === '25' ? '%' : code === '2E' ? '.' : '$'))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function encodeValue(value: unknown, insideArray = false): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeValue(item, true))
    return insideArray ? {[ARRAY_MARK]: items} : items
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue
      out[encodeFieldName(key)] = encodeValue(item)
    }
    return out
  }
  return value
}

export function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (isPlainObject(item)) {
        const keys = Object.keys(item)
        if (keys.length === 1 && keys[0] === ARRAY_MARK && Array.isArray(item[ARRAY_MARK])) {
          return decodeValue(item[ARRAY_MARK])
        }
      }
      return decodeValue(item)
    })
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[decodeFieldName(key)] = decodeValue(item)
    return out
  }
  return value
}

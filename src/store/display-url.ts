// Database URLs end up in logs, error messages and CLI output; a password in one
// of those is a leak. Everything that shows a URL goes through displayDbUrl.

const SCHEME_AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i

/**
 * The URL with its password (and any query option whose name mentions a password)
 * replaced by `***`. Works on multi-host MongoDB URLs, which WHATWG URL rejects.
 */
export function displayDbUrl(url: string): string {
  const match = SCHEME_AUTHORITY.exec(url)
  if (!match) return url
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string]
  let shownAuthority = authority
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    const userinfo = authority.slice(0, at)
    const hosts = authority.slice(at + 1)
    const colon = userinfo.indexOf(':')
    shownAuthority = colon >= 0 ? `${userinfo.slice(0, colon)}:***@${hosts}` : `${userinfo}@${hosts}`
  }
  const shownRest = rest.replace(/([?&][^=&#]*password[^=&#]*=)[^&#]*/gi, '$1***')
  return `${scheme}${shownAuthority}${shownRest}`
}

/** The password part of a URL (decoded), so messages from drivers can be scrubbed of it. */
export function urlPassword(url: string): string | null {
  const match = SCHEME_AUTHORITY.exec(url)
  if (!match) return null
  const authority = match[2] ?? ''
  const at = authority.lastIndexOf('@')
  if (at < 0) return null
  const userinfo = authority.slice(0, at)
  const colon = userinfo.indexOf(':')
  if (colon < 0) return null
  const raw = userinfo.slice(colon + 1)
  if (raw === '') return null
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

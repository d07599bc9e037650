export interface Reply<T = any> {
  status: number
  headers: Headers
  body: T
  text: string
}

export interface RequestOptions {
  token?: string
  apiKey?: string
  headers?: Record<string, string>
  /** Sent as is (no JSON encoding). */
  raw?: string | Buffer
}

/** Real HTTP against a running server; JSON in, JSON out. */
export async function request<T = any>(baseUrl: string, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = {...options.headers}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.apiKey) headers['x-api-key'] = options.apiKey
  let payload: string | Buffer | undefined = options.raw
  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await fetch(baseUrl + path, {method, headers, body: payload})
  const text = await res.text()
  let parsed: unknown = undefined
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return {status: res.status, headers: res.headers, body: parsed as T, text}
}

export function client(baseUrl: string) {
  return {
    get: <T = any>(path: string, options?: RequestOptions) => request<T>(baseUrl, 'GET', path, undefined, options),
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) => request<T>(baseUrl, 'POST', path, body, options),
    put: <T = any>(path: string, body?: unknown, options?: RequestOptions) => request<T>(baseUrl, 'PUT', path, body, options),
    patch: <T = any>(path: string, body?: unknown, options?: RequestOptions) => request<T>(baseUrl, 'PATCH', path, body, options),
    delete: <T = any>(path: string, options?: RequestOptions) => request<T>(baseUrl, 'DELETE', path, undefined, options),
  }
}

export type Client = ReturnType<typeof client>

let counter = 0
/** Signs up a fresh user and returns its token and id. */
export async function signup(api: Client, name = 'user'): Promise<{token: string; id: string; email: string}> {
  const email = `${name}-${Date.now()}-${++counter}@example.com`
  const res = await api.post('/signup', {name, email, password: 'correct horse battery'})
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`)
  return {token: res.body.token, id: res.body.user.id, email}
}

// The dashboard's view of the JSON API. Requests ride on the HttpOnly session cookie
// (the page never sees the token); state-changing ones echo the CSRF cookie in a header.

export type Role = 'admin' | 'member'
export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug'
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored'
export type IssueSort = 'lastSeen' | 'firstSeen' | 'count'
export type Interval = 'minute' | 'hour' | 'day'

export interface User {
  id: string
  name: string
  email: string
  role: Role
}

export interface Session {
  user: User | null
  signup: 'open' | 'closed'
}

export interface Project {
  id: number
  ownerId: string
  name: string
  description: string
  slug: string
  keyPrefix: string
  createdAt: string
  updatedAt: string
  keyRotatedAt: string
  /** The Sentry DSN with `API_KEY` where the key goes (when the server knows its public URL). */
  dsnTemplate?: string
}

export interface ProjectWithKey {
  project: Project
  apiKey: string
  /** The Sentry DSN for this key. */
  dsn?: string
}

export interface Issue {
  id: string
  projectId: number
  fingerprint: string
  type: string
  message: string
  level: Level
  status: IssueStatus
  count: number
  firstSeen: string
  lastSeen: string
}

export interface Frame {
  function?: string
  file?: string
  line?: number
  column?: number
  inApp: boolean
}

export interface NameVersion {
  name?: string
  version?: string
}

export interface ErrorEvent {
  id: string
  projectId: number
  issueId: string
  fingerprint: string
  receivedAt: string
  timestamp: string
  level: Level
  type: string
  message: string
  stack?: string
  frames: Frame[]
  tags: Record<string, string>
  environment?: string
  release?: string
  platform?: string
  url?: string
  browser?: NameVersion
  os?: NameVersion
  client?: Record<string, unknown>
  user?: Record<string, unknown>
  sdk?: Record<string, unknown>
  contexts?: Record<string, unknown>
}

export interface Bucket {
  start: string
  count: number
}

export interface Stats {
  buckets: Bucket[]
  total: number
  interval: Interval
}

export interface ErrorDetail {
  path: string
  message: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export const CSRF_COOKIE = 'crashlog_csrf'

function readCookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return ''
}

type Params = Record<string, string | number | undefined | null>

export function withQuery(path: string, params: Params = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  }
  const qs = search.toString()
  return qs ? `${path}?${qs}` : path
}

let unauthorizedHandler: () => void = () => undefined

/** Called when a request answers 401 (the session expired or was ended elsewhere). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {Accept: 'application/json'}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = readCookie(CSRF_COOKIE)
  let res: Response
  try {
    res = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin'})
  } catch {
    throw new ApiError(0, 'network', 'crashlog cannot be reached. Check that `crashlog serve` is running, then try again.')
  }
  if (res.status === 204) return undefined as T
  let data: unknown = null
  try {
    data = await res.json()
  } catch {
    data = null
  }
  if (!res.ok) {
    const error = (data as {error?: {code?: string; message?: string; details?: ErrorDetail[]}} | null)?.error
    const err = new ApiError(res.status, error?.code ?? 'http_' + res.status, error?.message ?? `${res.status} ${res.statusText}`, error?.details ?? [])
    const isLogin = path === '/login' || path === '/signup' || path === '/session'
    if (res.status === 401 && !isLogin) unauthorizedHandler()
    throw err
  }
  return data as T
}

export interface ListParams {
  q?: string
  from?: string
  to?: string
  limit?: number
  cursor?: string | null
  order?: 'asc' | 'desc'
}

export interface IssueParams {
  q?: string
  status?: IssueStatus
  sort?: IssueSort
  from?: string
  limit?: number
  cursor?: string | null
}

const p = (projectId: number) => `/projects/${encodeURIComponent(projectId)}`

export const api = {
  session: () => request<Session>('GET', '/session'),
  login: (email: string, password: string) => request<{user: User}>('POST', '/login', {email, password}),
  signup: (name: string, email: string, password: string) => request<{user: User}>('POST', '/signup', {name, email, password}),
  logout: () => request<void>('POST', '/logout'),

  projects: async () => (await request<{projects: Project[]}>('GET', '/projects')).projects,
  createProject: (body: {name: string; description?: string; slug?: string}) => request<ProjectWithKey>('POST', '/projects', body),
  updateProject: async (id: number, body: {name?: string; description?: string; slug?: string}) =>
    (await request<{project: Project}>('PUT', p(id), body)).project,
  deleteProject: (id: number) => request<void>('DELETE', p(id)),
  rotateKey: (id: number) => request<ProjectWithKey>('PATCH', `${p(id)}/api-key`),

  issues: (id: number, params: IssueParams) => request<{issues: Issue[]; nextCursor: string | null}>('GET', withQuery(`${p(id)}/issues`, {...params})),
  issue: async (id: number, issueId: string) => (await request<{issue: Issue}>('GET', `${p(id)}/issues/${encodeURIComponent(issueId)}`)).issue,
  setIssueStatus: async (id: number, issueId: string, status: IssueStatus) =>
    (await request<{issue: Issue}>('PATCH', `${p(id)}/issues/${encodeURIComponent(issueId)}`, {status})).issue,
  issueErrors: (id: number, issueId: string, params: ListParams) =>
    request<{errors: ErrorEvent[]; nextCursor: string | null}>('GET', withQuery(`${p(id)}/issues/${encodeURIComponent(issueId)}/errors`, {...params})),
  errors: (id: number, params: ListParams) => request<{errors: ErrorEvent[]; nextCursor: string | null}>('GET', withQuery(`${p(id)}/errors`, {...params})),
  error: async (id: number, errorId: string) => (await request<{error: ErrorEvent}>('GET', `${p(id)}/errors/${encodeURIComponent(errorId)}`)).error,
  stats: (id: number, params: {q?: string; from?: string; to?: string; interval?: Interval}) => request<Stats>('GET', withQuery(`${p(id)}/stats`, {...params})),
}

/** The export endpoint; the browser downloads it (Content-Disposition: attachment) with the session cookie. */
export function exportUrl(projectId: number, format: 'csv' | 'ndjson', params: {q?: string; from?: string; to?: string}): string {
  return withQuery(`${p(projectId)}/errors/export`, {format, ...params})
}

/** The JSON of one error, to open in a new tab. */
export function errorJsonUrl(projectId: number, errorId: string): string {
  return `${p(projectId)}/errors/${encodeURIComponent(errorId)}`
}

/** A readable message for any failure: the server's message, with field details. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.details.length) return `${err.message} (${err.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')})`
    return err.message
  }
  return err instanceof Error ? err.message : String(err)
}

// One frozen Config for the whole process: flag > env (CRASHLOG_*) > config file > default.
// Every value is validated here, and a bad one names its source (flag, variable or file key).

import {readFileSync} from 'node:fs'
import {ConfigError} from './errors.js'
import {DEFAULT_SCRUB_KEYS} from './domain/ingest/scrub.js'
import type {IngestLimits} from './schemas/log-error.js'

export type SignupMode = 'open' | 'closed'

export interface Config {
  db: string
  host: string
  port: number
  jwtSecret?: string
  /** Seconds a login token stays valid. */
  jwtExpiresIn: number
  bcryptCost: number
  signup: SignupMode
  limits: IngestLimits
  /** Failed logins allowed per email and per IP within loginWindowSeconds before 429. */
  loginMaxFailuresPerEmail: number
  loginMaxFailuresPerIp: number
  loginWindowSeconds: number
  /** How long a resolved API key is cached; other instances may accept a rotated key this long. */
  keyCacheSeconds: number
  /** Trust X-Forwarded-For (only behind a reverse proxy you control). */
  trustProxy: boolean
  /** Most errors in one POST /log-error array. */
  batchLimit: number
  /** Default events per minute per project (a project may override it). */
  rateLimitPerMinute: number
  /** Keys whose values are replaced by [Filtered] before storage. */
  scrubKeys: string[]
  /** Events older than this many days are deleted in the background; 0 keeps them forever. */
  retentionDays: number
  /** On SIGTERM, how long in-flight requests may take before their connections are cut. */
  shutdownGraceSeconds: number
  /** Where clients reach this server (for Sentry DSNs), when set; see derivePublicUrl. */
  publicUrl?: string
}

type Kind = 'string' | 'int' | 'bool' | 'duration' | 'enum' | 'list'

interface Setting {
  /** Dotted path in Config and in the config file. */
  key: string
  flag: string
  env: string
  kind: Kind
  min?: number
  max?: number
  values?: readonly string[]
  default?: string | number | boolean | readonly string[]
  /** One line for --help and the README. */
  help: string
}

export const DEFAULT_DB = 'sqlite:./crashlog-data/crashlog.db'

/** The table behind every flag, variable and config-file key. The README lists the same. */
export const SETTINGS: readonly Setting[] = [
  {key: 'db', flag: 'db', env: 'CRASHLOG_DB', kind: 'string', default: DEFAULT_DB, help: 'database URL: sqlite:<file> or mongodb://… / mongodb+srv://…'},
  {key: 'host', flag: 'host', env: 'CRASHLOG_HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on'},
  {key: 'port', flag: 'port', env: 'CRASHLOG_PORT', kind: 'int', min: 0, max: 65535, default: 8080, help: 'port to listen on (0 picks a free one)'},
  {key: 'jwtSecret', flag: 'jwt-secret', env: 'CRASHLOG_JWT_SECRET', kind: 'string', help: 'HS256 secret for login tokens, at least 32 bytes (default: generated once, kept in the database)'},
  {key: 'jwtExpiresIn', flag: 'jwt-expires-in', env: 'CRASHLOG_JWT_EXPIRES_IN', kind: 'duration', min: 60, max: 31 * 86400, default: 12 * 3600, help: 'how long a login token is valid (e.g. 30m, 12h, 7d)'},
  {key: 'bcryptCost', flag: 'bcrypt-cost', env: 'CRASHLOG_BCRYPT_COST', kind: 'int', min: 4, max: 15, default: 12, help: 'bcrypt cost factor for password hashes (4–15)'},
  {key: 'signup', flag: 'signup', env: 'CRASHLOG_SIGNUP', kind: 'enum', values: ['open', 'closed'], default: 'open', help: 'open: anyone may sign up over HTTP; closed: accounts are made with `crashlog user create`'},
  {key: 'limits.bodyBytes', flag: 'body-limit', env: 'CRASHLOG_BODY_LIMIT', kind: 'int', min: 1024, max: 64 * 1024 * 1024, default: 256 * 1024, help: 'largest request body, bytes'},
  {key: 'limits.messageBytes', flag: 'message-limit', env: 'CRASHLOG_MESSAGE_LIMIT', kind: 'int', min: 64, max: 1024 * 1024, default: 8 * 1024, help: 'largest error message, bytes'},
  {key: 'limits.stackBytes', flag: 'stack-limit', env: 'CRASHLOG_STACK_LIMIT', kind: 'int', min: 256, max: 16 * 1024 * 1024, default: 64 * 1024, help: 'largest stack trace, bytes'},
  {key: 'limits.envelopeBytes', flag: 'envelope-limit', env: 'CRASHLOG_ENVELOPE_LIMIT', kind: 'int', min: 1024, max: 256 * 1024 * 1024, default: 1024 * 1024, help: 'largest Sentry envelope or event after decompression, bytes'},
  {key: 'limits.maxTags', flag: 'max-tags', env: 'CRASHLOG_MAX_TAGS', kind: 'int', min: 0, max: 1000, default: 50, help: 'most tags on one error'},
  {key: 'limits.tagKeyLength', flag: 'tag-key-limit', env: 'CRASHLOG_TAG_KEY_LIMIT', kind: 'int', min: 1, max: 1024, default: 64, help: 'longest tag key, characters'},
  {key: 'limits.tagValueLength', flag: 'tag-value-limit', env: 'CRASHLOG_TAG_VALUE_LIMIT', kind: 'int', min: 1, max: 8192, default: 256, help: 'longest tag value, characters'},
  {key: 'loginMaxFailuresPerEmail', flag: 'login-max-failures', env: 'CRASHLOG_LOGIN_MAX_FAILURES', kind: 'int', min: 1, max: 1000, default: 5, help: 'failed logins per email within the login window before 429'},
  {key: 'loginMaxFailuresPerIp', flag: 'login-max-failures-ip', env: 'CRASHLOG_LOGIN_MAX_FAILURES_IP', kind: 'int', min: 1, max: 100000, default: 50, help: 'failed logins per client IP within the login window before 429'},
  {key: 'loginWindowSeconds', flag: 'login-window', env: 'CRASHLOG_LOGIN_WINDOW', kind: 'duration', min: 1, max: 86400, default: 900, help: 'window for counting failed logins (e.g. 15m)'},
  {key: 'keyCacheSeconds', flag: 'key-cache', env: 'CRASHLOG_KEY_CACHE', kind: 'duration', min: 0, max: 300, default: 5, help: 'how long a resolved API key is cached (a rotated key may work this long on other instances)'},
  {key: 'batchLimit', flag: 'batch-limit', env: 'CRASHLOG_BATCH_LIMIT', kind: 'int', min: 1, max: 10000, default: 100, help: 'most errors in one POST /log-error array'},
  {key: 'rateLimitPerMinute', flag: 'rate-limit', env: 'CRASHLOG_RATE_LIMIT', kind: 'int', min: 1, max: 100_000_000, default: 10_000, help: 'default events per minute per project (crashlog project update --rate-limit overrides it per project)'},
  {key: 'scrubKeys', flag: 'scrub-keys', env: 'CRASHLOG_SCRUB_KEYS', kind: 'list', default: DEFAULT_SCRUB_KEYS, help: 'comma-separated keys whose values are stored as [Filtered] (replaces the default list)'},
  {key: 'retentionDays', flag: 'retention-days', env: 'CRASHLOG_RETENTION_DAYS', kind: 'int', min: 0, max: 36500, default: 90, help: 'delete events older than this many days (0 keeps them forever)'},
  {key: 'shutdownGraceSeconds', flag: 'shutdown-grace', env: 'CRASHLOG_SHUTDOWN_GRACE', kind: 'duration', min: 1, max: 600, default: 10, help: 'on SIGTERM/SIGINT, how long in-flight requests may take before their connections are cut'},
  {key: 'publicUrl', flag: 'public-url', env: 'CRASHLOG_PUBLIC_URL', kind: 'string', help: 'URL clients use to reach this server, for Sentry DSNs (default: http://<host>:<port>)'},
  {key: 'trustProxy', flag: 'trust-proxy', env: 'CRASHLOG_TRUST_PROXY', kind: 'bool', default: false, help: 'trust X-Forwarded-For for client IPs (only behind your own reverse proxy)'},
]

export type RawValues = Record<string, unknown>

export interface ConfigSources {
  /** Flag values by flag name, only those the user gave. */
  flags?: RawValues
  env?: NodeJS.ProcessEnv
  /** Path of a JSON config file (flag --config / CRASHLOG_CONFIG). */
  configFile?: string
}

const DURATION = /^(\d+)(s|m|h|d)?$/
const UNIT_SECONDS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86400}

function convert(setting: Setting, raw: unknown, source: string): string | number | boolean | string[] {
  const fail = (why: string): never => {
    throw new ConfigError(`${source}: ${why}`)
  }
  switch (setting.kind) {
    case 'string': {
      if (typeof raw !== 'string' || raw.trim() === '') fail('must be a non-empty string')
      return (raw as string).trim()
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : fail('must be a comma-separated list')
      const cleaned = (items as unknown[]).map((item) => (typeof item === 'string' ? item.trim() : fail('must hold only strings'))).filter(Boolean)
      return cleaned as string[]
    }
    case 'enum': {
      if (typeof raw !== 'string' || !setting.values!.includes(raw)) fail(`must be one of ${setting.values!.join(', ')}`)
      return raw as string
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      return fail('must be true or false')
    }
    case 'int':
    case 'duration': {
      let n: number
      if (typeof raw === 'number') n = raw
      else if (typeof raw === 'string' && setting.kind === 'int' && /^\d+$/.test(raw.trim())) n = Number(raw.trim())
      else if (typeof raw === 'string' && setting.kind === 'duration' && DURATION.test(raw.trim())) {
        const [, digits, unit] = DURATION.exec(raw.trim())!
        n = Number(digits) * UNIT_SECONDS[unit ?? 's']
      } else return fail(setting.kind === 'duration' ? 'must be a duration like 30s, 15m, 12h or 7d' : 'must be a whole number')
      if (!Number.isSafeInteger(n)) fail('must be a whole number')
      if (setting.min !== undefined && n < setting.min) fail(`must be at least ${setting.min}`)
      if (setting.max !== undefined && n > setting.max) fail(`must be at most ${setting.max}`)
      return n
    }
  }
}

function readConfigFile(path: string): RawValues {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON (${(err as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`)
  }
  // Flatten one level of nesting ({"limits": {"bodyBytes": 1}}) to dotted keys.
  const flat: RawValues = {}
  for (const [k, v] of Object.entries(parsed)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) flat[`${k}.${k2}`] = v2
    } else flat[k] = v
  }
  const known = new Set(SETTINGS.map((s) => s.key))
  for (const k of Object.keys(flat)) {
    if (!known.has(k)) throw new ConfigError(`config file ${path}: unknown setting "${k}"`)
  }
  return flat
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>
  node[parts.at(-1)!] = value
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const flags = sources.flags ?? {}
  const env = sources.env ?? process.env
  const configPath = (flags.config as string | undefined) ?? env.CRASHLOG_CONFIG
  const file = configPath ? readConfigFile(configPath) : {}

  const out: Record<string, unknown> = {}
  for (const s of SETTINGS) {
    let value: string | number | boolean | readonly string[] | undefined
    if (flags[s.flag] !== undefined) value = convert(s, flags[s.flag], `--${s.flag}`)
    else if (env[s.env] !== undefined && env[s.env] !== '') value = convert(s, env[s.env], s.env)
    else if (file[s.key] !== undefined) value = convert(s, file[s.key], `config file ${configPath}: ${s.key}`)
    else value = s.default
    if (value !== undefined) setPath(out, s.key, value)
  }
  const config = out as unknown as Config

  if (config.publicUrl !== undefined) config.publicUrl = normalisePublicUrl(config.publicUrl)
  if (config.jwtSecret !== undefined && Buffer.byteLength(config.jwtSecret) < 32) {
    throw new ConfigError('the JWT secret (--jwt-secret / CRASHLOG_JWT_SECRET) must be at least 32 bytes long')
  }
  return deepFreeze(config)
}

/** The public URL when none is configured: the listen address, made connectable. */
export function derivePublicUrl(host: string, port: number): string {
  // A wildcard address is not somewhere a client can connect to.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${reachable}:${port}`
}

function normalisePublicUrl(given: string): string {
  let url: URL
  try {
    url = new URL(given)
  } catch {
    throw new ConfigError(`--public-url / CRASHLOG_PUBLIC_URL: "${given}" is not a URL (e.g. https://crashlog.example.com)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('--public-url / CRASHLOG_PUBLIC_URL must be an http or https URL')
  if (url.username || url.password || url.search || url.hash) throw new ConfigError('--public-url / CRASHLOG_PUBLIC_URL must not hold credentials, a query or a fragment')
  return url.toString().replace(/\/+$/, '')
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v as object)
  return Object.freeze(value)
}

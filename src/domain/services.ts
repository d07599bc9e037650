import {createHash} from 'node:crypto'
import {derivePublicUrl, type Config} from '../config.js'
import {QueryService} from './query/service.js'
import type {Store} from '../store/types.js'
import {IngestService} from './ingest/pipeline.js'
import {KeyCache} from './ingest/key-cache.js'
import {IngestRateLimiter} from './ingest/rate-limit.js'
import {Scrubber} from './ingest/scrub.js'
import {ProjectService} from './projects.js'
import {resolveJwtSecret} from './secret.js'
import {TokenService} from './tokens.js'
import {UserService} from './users.js'

/** Facts about this running instance that responses mention. */
export interface InstanceInfo {
  /** Where clients reach this server; the base of Sentry DSNs. */
  publicUrl: string
}

export interface Services {
  instance: InstanceInfo
  users: UserService
  projects: ProjectService
  tokens: TokenService
  ingest: IngestService
  query: QueryService
}

/** Wires the domain around one store; the HTTP app and the CLI both start here. */
export async function createServices(config: Config, store: Store): Promise<Services> {
  const keyCache = new KeyCache(config.keyCacheSeconds * 1000)
  const projects = new ProjectService(store)
  projects.onProjectChanged((keyHash) => keyCache.evict(keyHash))
  const secret = await resolveJwtSecret(store, config.jwtSecret)
  return {
    // startServer replaces the derived URL with the address it actually bound.
    instance: {publicUrl: config.publicUrl ?? derivePublicUrl(config.host, config.port)},
    users: new UserService(store, config),
    projects,
    tokens: new TokenService(secret, config.jwtExpiresIn),
    // Cursors are signed with a key derived from the instance secret, never the secret itself.
    query: new QueryService(store, projects, createHash('sha256').update('crashlog-cursor\0' + secret).digest('base64url')),
    ingest: new IngestService(
      store,
      keyCache,
      new IngestRateLimiter((options) => store.createRateLimiter(options), config.rateLimitPerMinute),
      new Scrubber(config.scrubKeys),
      {limits: config.limits, batchLimit: config.batchLimit},
    ),
  }
}

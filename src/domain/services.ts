import type {Config} from '../config.js'
import type {Store} from '../store/types.js'
import {IngestService} from './ingest/pipeline.js'
import {KeyCache} from './ingest/key-cache.js'
import {IngestRateLimiter} from './ingest/rate-limit.js'
import {Scrubber} from './ingest/scrub.js'
import {ProjectService} from './projects.js'
import {resolveJwtSecret} from './secret.js'
import {TokenService} from './tokens.js'
import {UserService} from './users.js'

export interface Services {
  users: UserService
  projects: ProjectService
  tokens: TokenService
  ingest: IngestService
}

/** Wires the domain around one store; the HTTP app and the CLI both start here. */
export async function createServices(config: Config, store: Store): Promise<Services> {
  const keyCache = new KeyCache(config.keyCacheSeconds * 1000)
  const projects = new ProjectService(store)
  projects.onProjectChanged((keyHash) => keyCache.evict(keyHash))
  return {
    users: new UserService(store, config),
    projects,
    tokens: new TokenService(await resolveJwtSecret(store, config.jwtSecret), config.jwtExpiresIn),
    ingest: new IngestService(
      store,
      keyCache,
      new IngestRateLimiter((options) => store.createRateLimiter(options), config.rateLimitPerMinute),
      new Scrubber(config.scrubKeys),
      {limits: config.limits, batchLimit: config.batchLimit},
    ),
  }
}

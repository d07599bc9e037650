import Koa from 'koa'
import type {Config} from '../config.js'
import {LoginLimiter} from '../domain/login-limiter.js'
import type {Services} from '../domain/services.js'
import type {Store} from '../store/types.js'
import {jsonBody} from './middleware/body.js'
import {errorHandler} from './middleware/errors.js'
import {securityHeaders} from './middleware/security.js'
import {sessionRouteGuard} from './middleware/session.js'
import {accountRoutes} from './routes/accounts.js'
import {errorRoutes} from './routes/errors.js'
import {healthRoutes} from './routes/health.js'
import {projectRoutes} from './routes/projects.js'
import {sessionRoutes} from './routes/session.js'
import {uiRoutes} from './routes/ui.js'

export interface AppDeps {
  config: Config
  store: Store
  services: Services
  /** Where server-side errors are written; stderr by default. */
  log?: (line: string) => void
}

export function createApp({config, store, services, log = (line) => process.stderr.write(line + '\n')}: AppDeps): Koa {
  const app = new Koa({proxy: config.trustProxy})
  // Errors are logged once, by errorHandler; Koa's own logger would print stacks again.
  app.silent = true

  const loginLimiter = new LoginLimiter({
    maxPerEmail: config.loginMaxFailuresPerEmail,
    maxPerIp: config.loginMaxFailuresPerIp,
    windowSeconds: config.loginWindowSeconds,
  })

  app.use(errorHandler(log))
  app.use(securityHeaders)
  // The dashboard's pages and files: only `/` and `/app/...`, never an API path.
  app.use(uiRoutes())
  app.use(sessionRouteGuard)
  app.use(jsonBody(config.limits.bodyBytes))
  for (const router of [healthRoutes(store), accountRoutes(services, loginLimiter), sessionRoutes(services, config), projectRoutes(services), errorRoutes(services)]) {
    app.use(router.routes())
    app.use(router.allowedMethods())
  }
  return app
}

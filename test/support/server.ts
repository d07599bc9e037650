import {loadConfig, type Config} from '../../src/config.js'
import {createServices, type Services} from '../../src/domain/services.js'
import {startServer} from '../../src/http/server.js'
import {openStore} from '../../src/store/open.js'
import type {Store} from '../../src/store/types.js'
import type {TestEngine} from './engines.js'

export interface TestServer {
  url: string
  dbUrl: string
  config: Config
  store: Store
  services: Services
  close(): Promise<void>
}

/**
 * The real server on a free loopback port, on a fresh database of the engine.
 * `flags` are setting flags as the CLI would pass them (e.g. {'signup': 'closed'}).
 * `options.dbUrl`: a database of the caller's instead (e.g. on a dedicated MongoDB server).
 */
export async function startTestServer(
  engine: TestEngine,
  flags: Record<string, string> = {},
  options: {dbUrl?: string} = {},
): Promise<TestServer> {
  const dbUrl = options.dbUrl ?? engine.newDatabaseUrl()
  // bcrypt cost 4 keeps the suite fast; the cost itself is covered by config tests.
  const config = loadConfig({flags: {db: dbUrl, port: '0', host: '127.0.0.1', 'bcrypt-cost': '4', ...flags}, env: {}})
  const store = await openStore(config.db)
  const services = await createServices(config, store)
  const logged: string[] = []
  const running = await startServer({config, store, services, log: (line) => logged.push(line)})
  return {
    url: running.url,
    dbUrl,
    config,
    store,
    services,
    async close() {
      await running.close()
      await store.close()
    },
  }
}

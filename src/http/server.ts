import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Config} from '../config.js'
import type {Services} from '../domain/services.js'
import type {Store} from '../store/types.js'
import {createApp} from './app.js'

export interface RunningServer {
  server: Server
  /** http://host:port as actually bound (port 0 picks a free one). */
  url: string
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>
}

export async function startServer(deps: {config: Config; store: Store; services: Services; log?: (line: string) => void}): Promise<RunningServer> {
  const app = createApp(deps)
  const server = createServer(app.callback())
  // Slow clients must not hold sockets forever.
  server.requestTimeout = 30_000
  server.headersTimeout = 15_000
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(deps.config.port, deps.config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
}

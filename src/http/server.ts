import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {derivePublicUrl, type Config} from '../config.js'
import type {Services} from '../domain/services.js'
import type {Store} from '../store/types.js'
import {createApp} from './app.js'
import {createDataPlane} from './data-plane.js'

export interface RunningServer {
  server: Server
  /** http://host:port as actually bound (port 0 picks a free one). */
  url: string
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>
}

export async function startServer(deps: {config: Config; store: Store; services: Services; log?: (line: string) => void}): Promise<RunningServer> {
  const log = deps.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const app = createApp({...deps, log})
  const controlPlane = app.callback()
  const dataPlane = createDataPlane({config: deps.config, services: deps.services, log})
  const server = createServer((req, res) => {
    if (!dataPlane(req, res)) void controlPlane(req, res)
  })
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
  if (!deps.config.publicUrl) deps.services.instance.publicUrl = derivePublicUrl(deps.config.host, address.port)
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Stop accepting; idle keep-alive sockets close now, busy ones once their
        // response is sent. After the grace period, whatever is left is cut.
        const sweep = setInterval(() => server.closeIdleConnections(), 50)
        const deadline = setTimeout(() => server.closeAllConnections(), deps.config.shutdownGraceSeconds * 1000)
        server.close(() => {
          clearInterval(sweep)
          clearTimeout(deadline)
          resolve()
        })
        server.closeIdleConnections()
      }),
  }
}

import Router from '@koa/router'
import type {Services} from '../../domain/services.js'

export function ingestRoutes(services: Services): Router {
  const router = new Router()

  // The key is read here and nowhere logged.
  router.post('/log-error', async (ctx) => {
    const project = await services.ingest.authenticate(ctx.get('x-api-key') || undefined)
    const id = await services.ingest.ingest(project, ctx.request.body)
    ctx.status = 202
    ctx.body = {id}
  })

  return router
}

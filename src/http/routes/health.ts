import Router from '@koa/router'
import type {Store} from '../../store/types.js'

export function healthRoutes(store: Store): Router {
  const router = new Router()

  router.get('/healthz', (ctx) => {
    ctx.body = {status: 'ok'}
  })

  router.get('/readyz', async (ctx) => {
    try {
      await store.ping()
      ctx.body = {status: 'ready', database: store.engine}
    } catch {
      ctx.status = 503
      ctx.set('Retry-After', '5')
      ctx.body = {error: {code: 'unavailable', message: `database unavailable (${store.engine})`}}
    }
  })

  return router
}

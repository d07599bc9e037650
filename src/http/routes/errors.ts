import Router from '@koa/router'
import {Readable} from 'node:stream'
import {ProjectService} from '../../domain/projects.js'
import {CONTENT_TYPES, EXPORT_FORMATS, formatExport, type ExportFormat} from '../../domain/query/export-format.js'
import {publicEvent, publicIssue} from '../../domain/query/service.js'
import type {Services} from '../../domain/services.js'
import {ValidationError} from '../../errors.js'
import {requireUser, type AuthState} from '../middleware/auth.js'
import {queryParams} from '../query-params.js'

/** Reading errors and issues back; every route checks the project's ownership first. */
export function errorRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>({prefix: '/projects/:id'})
  const {query} = services
  router.use(requireUser(services))
  const projectId = (raw: string) => ProjectService.parseId(raw)

  router.get('/errors', async (ctx) => {
    const params = queryParams(ctx.query, ['q', 'from', 'to', 'limit', 'cursor', 'order'])
    const page = await query.listErrors(ctx.state.actor, projectId(ctx.params.id), params)
    ctx.body = {errors: page.items.map(publicEvent), nextCursor: page.nextCursor}
  })

  // Before /errors/:errorId, which would otherwise take "export" as an id.
  router.get('/errors/export', async (ctx) => {
    const params = queryParams(ctx.query, ['q', 'from', 'to', 'format', 'order'])
    const format = (params.format ?? 'ndjson') as ExportFormat
    if (!EXPORT_FORMATS.includes(format)) throw new ValidationError('invalid format: must be ndjson, csv or json', [{path: 'format', message: 'must be ndjson, csv or json'}])
    const order = params.order ?? 'desc'
    if (order !== 'desc' && order !== 'asc') throw new ValidationError('invalid order: must be desc or asc', [{path: 'order', message: 'must be desc or asc'}])
    const id = projectId(ctx.params.id)
    const project = await services.projects.get(ctx.state.actor, id)
    const filter = await query.eventFilterFor(ctx.state.actor, id, params)
    ctx.set('Content-Disposition', `attachment; filename="crashlog-${project.slug}-errors.${format}"`)
    ctx.type = CONTENT_TYPES[format]
    ctx.body = Readable.from(formatExport(query.exportErrors(filter, order), format))
  })

  router.get('/errors/:errorId', async (ctx) => {
    queryParams(ctx.query, [])
    const event = await query.getError(ctx.state.actor, projectId(ctx.params.id), ctx.params.errorId)
    ctx.body = {error: publicEvent(event)}
  })

  router.get('/issues', async (ctx) => {
    const params = queryParams(ctx.query, ['q', 'status', 'sort', 'limit', 'cursor', 'from', 'to'])
    const page = await query.listIssues(ctx.state.actor, projectId(ctx.params.id), params)
    ctx.body = {issues: page.items.map(publicIssue), nextCursor: page.nextCursor}
  })

  router.get('/issues/:issueId', async (ctx) => {
    queryParams(ctx.query, [])
    ctx.body = {issue: publicIssue(await query.getIssue(ctx.state.actor, projectId(ctx.params.id), ctx.params.issueId))}
  })

  router.patch('/issues/:issueId', async (ctx) => {
    const body = ctx.request.body as Record<string, unknown> | undefined
    const keys = Object.keys(body ?? {})
    const extra = keys.find((k) => k !== 'status')
    if (extra) throw new ValidationError(`invalid request body: ${extra} is not an allowed field`, [{path: extra, message: 'is not an allowed field'}])
    const issue = await query.setIssueStatus(ctx.state.actor, projectId(ctx.params.id), ctx.params.issueId, body?.status)
    ctx.body = {issue: publicIssue(issue)}
  })

  router.get('/issues/:issueId/errors', async (ctx) => {
    const params = queryParams(ctx.query, ['q', 'from', 'to', 'limit', 'cursor', 'order'])
    const page = await query.listIssueErrors(ctx.state.actor, projectId(ctx.params.id), ctx.params.issueId, params)
    ctx.body = {errors: page.items.map(publicEvent), nextCursor: page.nextCursor}
  })

  router.get('/stats', async (ctx) => {
    const params = queryParams(ctx.query, ['q', 'from', 'to', 'interval'])
    const stats = await query.stats(ctx.state.actor, projectId(ctx.params.id), params)
    ctx.body = {buckets: stats.buckets.map((b) => ({start: b.start.toISOString(), count: b.count})), total: stats.total, interval: stats.interval}
  })

  return router
}

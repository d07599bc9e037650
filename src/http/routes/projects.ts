import Router from '@koa/router'
import {dsnFor} from '../../domain/ingest/sentry.js'
import {ProjectService, publicProject} from '../../domain/projects.js'
import type {Project} from '../../store/types.js'
import type {Services} from '../../domain/services.js'
import type {AuthState} from '../middleware/auth.js'
import {requireUser} from '../middleware/auth.js'

export function projectRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>()
  const {projects} = services
  const view = (p: Project) => publicProject(p, services.instance.publicUrl)
  const withKey = (p: Project, apiKey: string) => ({project: view(p), apiKey, dsn: dsnFor(services.instance.publicUrl, apiKey, p.id)})
  router.use(['/user/projects', '/projects'], requireUser(services))

  router.get('/user/projects', async (ctx) => {
    const owned = await projects.listOwnedBy(ctx.state.user.id)
    ctx.body = {projects: owned.map(view)}
  })

  router.get('/projects', async (ctx) => {
    const visible = await projects.listVisible(ctx.state.actor)
    ctx.body = {projects: visible.map(view)}
  })

  router.post('/projects', async (ctx) => {
    const {project, apiKey} = await projects.create(ctx.state.user.id, ctx.request.body as never)
    ctx.status = 201
    ctx.body = withKey(project, apiKey)
  })

  router.put('/projects/:id', async (ctx) => {
    const project = await projects.update(ctx.state.actor, ProjectService.parseId(ctx.params.id), (ctx.request.body ?? {}) as never)
    ctx.body = {project: view(project)}
  })

  router.delete('/projects/:id', async (ctx) => {
    await projects.delete(ctx.state.actor, ProjectService.parseId(ctx.params.id))
    ctx.status = 204
  })

  router.patch('/projects/:id/api-key', async (ctx) => {
    const {project, apiKey} = await projects.rotateKey(ctx.state.actor, ProjectService.parseId(ctx.params.id))
    ctx.body = withKey(project, apiKey)
  })

  return router
}

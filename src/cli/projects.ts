import type {PublicProject} from '../domain/projects.js'
import {formatFields, formatTable} from './output.js'

export function projectTable(projects: Array<PublicProject & {owner?: string}>): string {
  if (projects.length === 0) return 'no projects yet'
  return formatTable(
    ['ID', 'SLUG', 'NAME', 'OWNER', 'KEY', 'CREATED'],
    projects.map((p) => [p.id, p.slug, p.name, p.owner ?? p.ownerId, `${p.keyPrefix}…`, p.createdAt]),
  )
}

export function projectFields(p: PublicProject & {owner?: string}, apiKey?: string, dsn?: string): string {
  const lines = formatFields([
    ['id', p.id],
    ['slug', p.slug],
    ['name', p.name],
    ['description', p.description],
    ['owner', p.owner ?? p.ownerId],
    ['rate limit', p.rateLimit === null ? 'server default' : `${p.rateLimit} events/minute`],
    ['key', apiKey ?? `${p.keyPrefix}… (hidden; rotate with \`crashlog key rotate ${p.slug}\`)`],
    ['created', p.createdAt],
    ['updated', p.updatedAt],
    ['key rotated', p.keyRotatedAt],
    ['sentry dsn', dsn ?? p.dsnTemplate?.replace('API_KEY', '<API key>')],
  ])
  return apiKey ? `${lines}\n\nThe API key is shown only this once: store it now.` : lines
}

import {ConflictError, NotFoundError, ValidationError} from '../errors.js'
import {
  validateProjectCreate,
  validateProjectUpdate,
  type ProjectCreateBody,
  type ProjectUpdateBody,
} from '../schemas/projects.js'
import {DuplicateKeyError, type Project, type ProjectPatch, type Role, type Store} from '../store/types.js'
import {dsnFor} from './ingest/sentry.js'
import {generateApiKey} from './keys.js'

/** Who is asking. The CLI acts as the system: it already holds the database. */
export interface Actor {
  userId: string | null
  role: Role
}

export const SYSTEM_ACTOR: Actor = {userId: null, role: 'admin'}

export interface PublicProject {
  id: number
  ownerId: string
  name: string
  description: string
  slug: string
  keyPrefix: string
  rateLimit: number | null
  createdAt: string
  updatedAt: string
  keyRotatedAt: string
  /** The Sentry DSN with a placeholder where the (never stored) key goes. */
  dsnTemplate?: string
}

/** The key hash never leaves the server. With `publicUrl`, the DSN template is included. */
export function publicProject(p: Project, publicUrl?: string): PublicProject {
  return {
    ...(publicUrl ? {dsnTemplate: dsnFor(publicUrl, 'API_KEY', p.id)} : {}),
    id: p.id,
    ownerId: p.ownerId,
    name: p.name,
    description: p.description,
    slug: p.slug,
    keyPrefix: p.keyPrefix,
    rateLimit: p.rateLimit,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    keyRotatedAt: p.keyRotatedAt.toISOString(),
  }
}

export interface ProjectWithKey {
  project: Project
  /** The plain key: shown once, never stored. */
  apiKey: string
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/g, '')
  // An all-digit slug would read as an id.
  if (!slug) return 'project'
  return /^[0-9]+$/.test(slug) ? `p-${slug}` : slug
}

function canAccess(actor: Actor, project: Project): boolean {
  return actor.role === 'admin' || project.ownerId === actor.userId
}

const notFound = (ref: string | number) => new NotFoundError(`no project "${ref}"`)

export class ProjectService {
  /** Called with the (old) key hash whenever a project changes, is deleted or gets a new key. */
  private readonly changeListeners: Array<(keyHash: string) => void> = []

  constructor(private readonly store: Store) {}

  onProjectChanged(listener: (keyHash: string) => void): void {
    this.changeListeners.push(listener)
  }

  async create(ownerId: string, input: ProjectCreateBody): Promise<ProjectWithKey> {
    const body = validateProjectCreate(input)
    const generated = generateApiKey()
    const base = body.slug ?? slugify(body.name)
    // A chosen slug that is taken is a conflict; a derived one gets a numeric suffix.
    for (let attempt = 1; ; attempt++) {
      const slug = body.slug || attempt === 1 ? base : `${base}-${attempt}`
      try {
        const project = await this.store.createProject({
          ownerId,
          name: body.name.trim(),
          description: body.description ?? '',
          slug,
          keyHash: generated.keyHash,
          keyPrefix: generated.keyPrefix,
        })
        return {project, apiKey: generated.key}
      } catch (err) {
        if (!(err instanceof DuplicateKeyError) || err.field !== 'slug') throw err
        if (body.slug || attempt >= 50) throw new ConflictError(`slug "${slug}" is already taken`, [{path: 'slug', message: 'is already taken'}])
      }
    }
  }

  /** Admins see every project; members their own. */
  async listVisible(actor: Actor): Promise<Project[]> {
    return actor.role === 'admin' ? this.store.listProjects() : this.store.listProjects({ownerId: actor.userId ?? undefined})
  }

  async listOwnedBy(ownerId: string): Promise<Project[]> {
    return this.store.listProjects({ownerId})
  }

  /** Someone else's project answers exactly like a missing one. */
  async get(actor: Actor, id: number): Promise<Project> {
    const project = await this.store.findProjectById(id)
    if (!project || !canAccess(actor, project)) throw notFound(id)
    return project
  }

  /** `<id|slug>` as typed on the command line. */
  async resolve(actor: Actor, ref: string): Promise<Project> {
    const trimmed = ref.trim()
    const project = /^[0-9]+$/.test(trimmed)
      ? await this.store.findProjectById(Number(trimmed))
      : await this.store.findProjectBySlug(trimmed.toLowerCase())
    if (!project || !canAccess(actor, project)) throw notFound(ref)
    return project
  }

  async update(actor: Actor, id: number, input: ProjectUpdateBody, extra: Pick<ProjectPatch, 'rateLimit'> = {}): Promise<Project> {
    // The CLI may change only the rate limit; the HTTP body must change something.
    const body = Object.keys(input).length > 0 || extra.rateLimit === undefined ? validateProjectUpdate(input) : {}
    await this.get(actor, id)
    const patch: ProjectPatch = {...extra}
    if (body.name !== undefined) patch.name = body.name.trim()
    if (body.description !== undefined) patch.description = body.description
    if (body.slug !== undefined) patch.slug = body.slug
    try {
      const updated = await this.store.updateProject(id, patch)
      if (!updated) throw notFound(id)
      this.emitChanged(updated.keyHash)
      return updated
    } catch (err) {
      if (err instanceof DuplicateKeyError && err.field === 'slug') {
        throw new ConflictError(`slug "${patch.slug}" is already taken`, [{path: 'slug', message: 'is already taken'}])
      }
      throw err
    }
  }

  async delete(actor: Actor, id: number): Promise<void> {
    const project = await this.get(actor, id)
    if (!(await this.store.deleteProject(id))) throw notFound(id)
    this.emitChanged(project.keyHash)
  }

  /** The old key stops working at once on this instance. */
  async rotateKey(actor: Actor, id: number): Promise<ProjectWithKey> {
    const project = await this.get(actor, id)
    const generated = generateApiKey()
    const updated = await this.store.rotateProjectKey(id, generated.keyHash, generated.keyPrefix)
    if (!updated) throw notFound(id)
    this.emitChanged(project.keyHash)
    return {project: updated, apiKey: generated.key}
  }

  static parseId(raw: string): number {
    if (!/^[1-9][0-9]{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw new ValidationError(`invalid project id "${raw.slice(0, 40)}"`, [{path: 'id', message: 'must be a positive integer'}])
    }
    return Number(raw)
  }

  private emitChanged(keyHash: string): void {
    for (const listener of this.changeListeners) listener(keyHash)
  }
}

import {Args, Flags} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {projectFields} from '../../src/cli/projects.js'
import {publicProject, SYSTEM_ACTOR, type PublicProject} from '../../src/domain/projects.js'
import {ValidationError} from '../../src/errors.js'

function parseRateLimit(raw: string): number | null {
  if (raw.trim().toLowerCase() === 'default') return null
  if (!/^[1-9][0-9]{0,8}$/.test(raw.trim())) throw new ValidationError('--rate-limit must be a positive whole number of events per minute, or "default"')
  return Number(raw.trim())
}

export default class ProjectUpdate extends CrashlogCommand {
  static override summary = 'Change a project’s name, description, slug or rate limit'
  static override examples = ['<%= config.bin %> project update shop --name "Web shop" --slug web-shop']
  static override enableJsonFlag = true
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    name: Flags.string({description: 'new name'}),
    description: Flags.string({description: 'new description'}),
    slug: Flags.string({description: 'new slug'}),
    'rate-limit': Flags.string({description: 'events per minute this project may send, or "default" for the server’s --rate-limit'}),
  }

  async run(): Promise<{project: PublicProject}> {
    const {args, flags} = await this.parse(ProjectUpdate)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const body: Record<string, string> = {}
    for (const field of ['name', 'description', 'slug'] as const) if (flags[field] !== undefined) body[field] = flags[field]
    const extra = flags['rate-limit'] === undefined ? {} : {rateLimit: parseRateLimit(flags['rate-limit'])}
    if (Object.keys(body).length === 0 && extra.rateLimit === undefined) {
      throw new ValidationError('nothing to update: pass --name, --description, --slug or --rate-limit')
    }
    const updated = publicProject(await services.projects.update(SYSTEM_ACTOR, project.id, body, extra), services.instance.publicUrl)
    this.log(projectFields(updated))
    return {project: updated}
  }
}

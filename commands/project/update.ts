import {Args, Flags} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {projectFields} from '../../src/cli/projects.js'
import {publicProject, SYSTEM_ACTOR, type PublicProject} from '../../src/domain/projects.js'

export default class ProjectUpdate extends CrashlogCommand {
  static override summary = 'Change a project’s name, description or slug'
  static override examples = ['<%= config.bin %> project update shop --name "Web shop" --slug web-shop']
  static override enableJsonFlag = true
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    name: Flags.string({description: 'new name'}),
    description: Flags.string({description: 'new description'}),
    slug: Flags.string({description: 'new slug'}),
  }

  async run(): Promise<{project: PublicProject}> {
    const {args, flags} = await this.parse(ProjectUpdate)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const body: Record<string, string> = {}
    for (const field of ['name', 'description', 'slug'] as const) if (flags[field] !== undefined) body[field] = flags[field]
    const updated = publicProject(await services.projects.update(SYSTEM_ACTOR, project.id, body))
    this.log(projectFields(updated))
    return {project: updated}
  }
}

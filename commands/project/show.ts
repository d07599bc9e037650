import {Args} from '@oclif/core'
import {CrashlogCommand, settingFlags} from '../../src/cli/base-command.js'
import {projectFields} from '../../src/cli/projects.js'
import {publicProject, SYSTEM_ACTOR, type PublicProject} from '../../src/domain/projects.js'

export default class ProjectShow extends CrashlogCommand {
  static override summary = 'Show one project'
  static override enableJsonFlag = true
  static override flags = settingFlags('public-url')
  static override args = {project: Args.string({description: 'project id or slug', required: true})}

  async run(): Promise<{project: PublicProject & {owner: string}}> {
    const {args, flags} = await this.parse(ProjectShow)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const owner = await services.users.findById(project.ownerId)
    const shown = {...publicProject(project, services.instance.publicUrl), owner: owner?.email ?? project.ownerId}
    this.log(projectFields(shown))
    return {project: shown}
  }
}

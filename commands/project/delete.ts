import {Args, Flags} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {ask, isInteractive} from '../../src/cli/prompt.js'
import {SYSTEM_ACTOR} from '../../src/domain/projects.js'
import {ValidationError} from '../../src/errors.js'

export default class ProjectDelete extends CrashlogCommand {
  static override summary = 'Delete a project with all its errors and issues'
  static override enableJsonFlag = true
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation', default: false}),
  }

  async run(): Promise<{deleted: number}> {
    const {args, flags} = await this.parse(ProjectDelete)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    if (!flags.yes) {
      if (!isInteractive()) throw new ValidationError('refusing to delete without confirmation: pass --yes')
      const answer = await ask(`Delete project ${project.slug} (id ${project.id}) and all its errors? Type the slug to confirm: `)
      if (answer.trim() !== project.slug) throw new ValidationError('not confirmed; nothing was deleted')
    }
    await services.projects.delete(SYSTEM_ACTOR, project.id)
    this.log(`deleted project ${project.slug} (id ${project.id})`)
    return {deleted: project.id}
  }
}

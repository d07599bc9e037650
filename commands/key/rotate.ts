import {Args} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {projectFields} from '../../src/cli/projects.js'
import {publicProject, SYSTEM_ACTOR, type PublicProject} from '../../src/domain/projects.js'

export default class KeyRotate extends CrashlogCommand {
  static override summary = 'Replace a project’s API key; the old key stops working'
  static override description = `The new key is printed once. Running servers are separate processes: they drop the old key within their key cache time (CRASHLOG_KEY_CACHE, default 5 s).`
  static override enableJsonFlag = true
  static override args = {project: Args.string({description: 'project id or slug', required: true})}

  async run(): Promise<{project: PublicProject; apiKey: string}> {
    const {args, flags} = await this.parse(KeyRotate)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const rotated = await services.projects.rotateKey(SYSTEM_ACTOR, project.id)
    const shown = publicProject(rotated.project)
    this.log(projectFields(shown, rotated.apiKey))
    return {project: shown, apiKey: rotated.apiKey}
  }
}

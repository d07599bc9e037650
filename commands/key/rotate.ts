import {Args} from '@oclif/core'
import {dsnFor} from '../../src/domain/ingest/sentry.js'
import {CrashlogCommand, settingFlags} from '../../src/cli/base-command.js'
import {projectFields} from '../../src/cli/projects.js'
import {publicProject, SYSTEM_ACTOR, type PublicProject} from '../../src/domain/projects.js'

export default class KeyRotate extends CrashlogCommand {
  static override summary = 'Replace a project’s API key; the old key stops working'
  static override description = `The new key is printed once. Running servers are separate processes: they drop the old key within their key cache time (CRASHLOG_KEY_CACHE, default 5 s).`
  static override enableJsonFlag = true
  static override flags = settingFlags('public-url')
  static override args = {project: Args.string({description: 'project id or slug', required: true})}

  async run(): Promise<{project: PublicProject; apiKey: string; dsn: string}> {
    const {args, flags} = await this.parse(KeyRotate)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const rotated = await services.projects.rotateKey(SYSTEM_ACTOR, project.id)
    const shown = publicProject(rotated.project, services.instance.publicUrl)
    const dsn = dsnFor(services.instance.publicUrl, rotated.apiKey, rotated.project.id)
    this.log(projectFields(shown, rotated.apiKey, dsn))
    return {project: shown, apiKey: rotated.apiKey, dsn}
  }
}

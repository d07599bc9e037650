import {Flags} from '@oclif/core'
import {dsnFor} from '../../src/domain/ingest/sentry.js'
import {CrashlogCommand, settingFlags} from '../../src/cli/base-command.js'
import {projectFields} from '../../src/cli/projects.js'
import {publicProject, type PublicProject} from '../../src/domain/projects.js'
import {NotFoundError} from '../../src/errors.js'

export default class ProjectCreate extends CrashlogCommand {
  static override summary = 'Create a project and print its API key (shown once)'
  static override examples = ['<%= config.bin %> project create --name Shop --owner ada@example.com --slug shop']
  static override enableJsonFlag = true
  static override flags = {
    ...settingFlags('public-url'),
    name: Flags.string({description: 'project name', required: true}),
    owner: Flags.string({description: 'email of the owning user', required: true}),
    description: Flags.string({description: 'free text'}),
    slug: Flags.string({description: 'short unique name (default: derived from the name)'}),
  }

  async run(): Promise<{project: PublicProject & {owner: string}; apiKey: string; dsn: string}> {
    const {flags} = await this.parse(ProjectCreate)
    const {services} = await this.open(flags)
    const owner = await services.users.findByEmail(flags.owner)
    if (!owner) throw new NotFoundError(`no user with email "${flags.owner}"`)
    const body = {name: flags.name, ...(flags.description === undefined ? {} : {description: flags.description}), ...(flags.slug === undefined ? {} : {slug: flags.slug})}
    const {project, apiKey} = await services.projects.create(owner.id, body)
    const shown = {...publicProject(project, services.instance.publicUrl), owner: owner.email}
    const dsn = dsnFor(services.instance.publicUrl, apiKey, project.id)
    this.log(projectFields(shown, apiKey, dsn))
    return {project: shown, apiKey, dsn}
  }
}

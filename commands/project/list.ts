import {Flags} from '@oclif/core'
import {CrashlogCommand, settingFlags} from '../../src/cli/base-command.js'
import {projectTable} from '../../src/cli/projects.js'
import {publicProject, SYSTEM_ACTOR, type PublicProject} from '../../src/domain/projects.js'
import {NotFoundError} from '../../src/errors.js'

export default class ProjectList extends CrashlogCommand {
  static override summary = 'List projects'
  static override enableJsonFlag = true
  static override flags = {
    ...settingFlags('public-url'),
    owner: Flags.string({description: 'only the projects of this user (email)'}),
  }

  async run(): Promise<{projects: Array<PublicProject & {owner: string}>}> {
    const {flags} = await this.parse(ProjectList)
    const {services} = await this.open(flags)
    let list
    if (flags.owner) {
      const owner = await services.users.findByEmail(flags.owner)
      if (!owner) throw new NotFoundError(`no user with email "${flags.owner}"`)
      list = await services.projects.listOwnedBy(owner.id)
    } else list = await services.projects.listVisible(SYSTEM_ACTOR)
    const emails = new Map((await services.users.list()).map((u) => [u.id, u.email]))
    const projects = list.map((p) => ({...publicProject(p, services.instance.publicUrl), owner: emails.get(p.ownerId) ?? p.ownerId}))
    this.log(projectTable(projects))
    return {projects}
  }
}

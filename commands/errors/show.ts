import {Args} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {errorDetails} from '../../src/cli/errors.js'
import {SYSTEM_ACTOR} from '../../src/domain/projects.js'
import {publicEvent, type PublicEvent} from '../../src/domain/query/service.js'

export default class ErrorsShow extends CrashlogCommand {
  static override summary = 'Show one error: message, tags, context and the stack trace'
  static override enableJsonFlag = true
  static override args = {
    project: Args.string({description: 'project id or slug', required: true}),
    id: Args.string({description: 'error id', required: true}),
  }

  async run(): Promise<{error: PublicEvent}> {
    const {args, flags} = await this.parse(ErrorsShow)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const event = await services.query.getError(SYSTEM_ACTOR, project.id, args.id)
    this.log(errorDetails(event))
    return {error: publicEvent(event)}
  }
}

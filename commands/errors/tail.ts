import {Args, Flags} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {errorLine} from '../../src/cli/errors.js'
import {SYSTEM_ACTOR} from '../../src/domain/projects.js'
import {publicEvent} from '../../src/domain/query/service.js'
import {ValidationError} from '../../src/errors.js'

export default class ErrorsTail extends CrashlogCommand {
  static override summary = 'Follow new errors as they arrive, until Ctrl-C'
  static override examples = ['<%= config.bin %> errors tail shop --q level:fatal']
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    q: Flags.string({description: 'only errors matching this search'}),
    interval: Flags.string({description: 'seconds between polls', default: '1'}),
    ndjson: Flags.boolean({description: 'print each error as one JSON line', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ErrorsTail)
    const intervalMs = Number(flags.interval) * 1000
    if (!(intervalMs >= 100 && intervalMs <= 60_000)) throw new ValidationError('--interval must be between 0.1 and 60 seconds')
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const filter = await services.query.eventFilterFor(SYSTEM_ACTOR, project.id, {q: flags.q})
    if (!flags.ndjson) this.logToStderr(`following errors of ${project.slug} (Ctrl-C to stop)…`)

    const controller = new AbortController()
    process.once('SIGINT', () => controller.abort())
    process.once('SIGTERM', () => controller.abort())
    for await (const e of services.query.follow(filter, {intervalMs, signal: controller.signal})) {
      this.log(flags.ndjson ? JSON.stringify(publicEvent(e)) : errorLine(e))
    }
  }
}

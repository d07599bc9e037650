import {Args, Flags} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {errorTable} from '../../src/cli/errors.js'
import {SYSTEM_ACTOR} from '../../src/domain/projects.js'
import {publicEvent, type PublicEvent} from '../../src/domain/query/service.js'

export default class ErrorsList extends CrashlogCommand {
  static override summary = 'List a project’s errors, newest first'
  static override examples = [
    '<%= config.bin %> errors list shop --q \'type:TypeError checkout:"step 2"\' --since 24h',
    '<%= config.bin %> errors list shop --q "cannot read" --limit 200 --json',
  ]
  static override enableJsonFlag = true
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    q: Flags.string({description: 'search: type: level: environment: release: browser: os: url: user: issue: tag:value, free words'}),
    since: Flags.string({description: 'from this time: ISO 8601, epoch ms, or relative (15m, 24h, 7d)'}),
    until: Flags.string({description: 'up to this time (same forms)'}),
    limit: Flags.string({description: 'rows, 1–200', default: '50'}),
    cursor: Flags.string({description: 'continue from a previous page’s nextCursor'}),
    order: Flags.string({description: 'desc (newest first) or asc', options: ['desc', 'asc'], default: 'desc'}),
  }

  async run(): Promise<{errors: PublicEvent[]; nextCursor: string | null}> {
    const {args, flags} = await this.parse(ErrorsList)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const page = await services.query.listErrors(SYSTEM_ACTOR, project.id, {q: flags.q, from: flags.since, to: flags.until, limit: flags.limit, cursor: flags.cursor, order: flags.order})
    this.log(errorTable(page.items))
    if (page.nextCursor) this.log(`\nmore: --cursor ${page.nextCursor}`)
    return {errors: page.items.map(publicEvent), nextCursor: page.nextCursor}
  }
}

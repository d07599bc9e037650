import {Args, Flags} from '@oclif/core'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {issueTable} from '../../src/cli/errors.js'
import {SYSTEM_ACTOR} from '../../src/domain/projects.js'
import {publicIssue, type PublicIssue} from '../../src/domain/query/service.js'

export default class IssuesList extends CrashlogCommand {
  static override summary = 'List a project’s issues (errors grouped by fingerprint)'
  static override examples = ['<%= config.bin %> issues list shop --status unresolved --sort count']
  static override enableJsonFlag = true
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    status: Flags.string({description: 'only issues with this status', options: ['unresolved', 'resolved', 'ignored']}),
    q: Flags.string({description: 'search: is: type: level: and free words'}),
    sort: Flags.string({description: 'order', options: ['lastSeen', 'firstSeen', 'count'], default: 'lastSeen'}),
    limit: Flags.string({description: 'rows, 1–200', default: '50'}),
    cursor: Flags.string({description: 'continue from a previous page’s nextCursor'}),
  }

  async run(): Promise<{issues: PublicIssue[]; nextCursor: string | null}> {
    const {args, flags} = await this.parse(IssuesList)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const page = await services.query.listIssues(SYSTEM_ACTOR, project.id, {q: flags.q, status: flags.status, sort: flags.sort, limit: flags.limit, cursor: flags.cursor})
    this.log(issueTable(page.items))
    if (page.nextCursor) this.log(`\nmore: --cursor ${page.nextCursor}`)
    return {issues: page.items.map(publicIssue), nextCursor: page.nextCursor}
  }
}

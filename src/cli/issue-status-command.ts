import {Args} from '@oclif/core'
import {SYSTEM_ACTOR} from '../domain/projects.js'
import {publicIssue, type PublicIssue} from '../domain/query/service.js'
import type {IssueStatus} from '../store/types.js'
import {CrashlogCommand} from './base-command.js'

/** `crashlog issues resolve|ignore|reopen <project> <issue-id>`: one command, three statuses. */
export abstract class IssueStatusCommand extends CrashlogCommand {
  static override enableJsonFlag = true
  static override args = {
    project: Args.string({description: 'project id or slug', required: true}),
    issue: Args.string({description: 'issue id', required: true}),
  }

  protected abstract readonly status: IssueStatus

  async run(): Promise<{issue: PublicIssue}> {
    const {args, flags} = await this.parse(IssueStatusCommand)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const issue = await services.query.setIssueStatus(SYSTEM_ACTOR, project.id, args.issue, this.status)
    this.log(`issue ${issue.id} is now ${issue.status} (${issue.count} events: ${issue.type}: ${issue.message.slice(0, 80)})`)
    return {issue: publicIssue(issue)}
  }
}

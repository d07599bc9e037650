import {IssueStatusCommand} from '../../src/cli/issue-status-command.js'

export default class IssuesResolve extends IssueStatusCommand {
  static override summary = 'Mark an issue resolved (a new event reopens it)'
  protected readonly status = 'resolved' as const
}

import {IssueStatusCommand} from '../../src/cli/issue-status-command.js'

export default class IssuesReopen extends IssueStatusCommand {
  static override summary = 'Reopen an issue'
  protected readonly status = 'unresolved' as const
}

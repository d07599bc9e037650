import {IssueStatusCommand} from '../../src/cli/issue-status-command.js'

export default class IssuesIgnore extends IssueStatusCommand {
  static override summary = 'Ignore an issue (new events keep it ignored)'
  protected readonly status = 'ignored' as const
}

// Every command, by id: oclif's "explicit" command discovery (package.json
// oclif.commands). One list for `bin/run.js` and for the single-file binary, which has
// no commands folder to scan. test/unit/cli/commands.test.ts fails when a file under
// commands/ is missing here, so a new command cannot be left out of the binary.

import type {Command} from '@oclif/core'
import ErrorsExport from '../../commands/errors/export.js'
import ErrorsList from '../../commands/errors/list.js'
import ErrorsShow from '../../commands/errors/show.js'
import ErrorsTail from '../../commands/errors/tail.js'
import Healthcheck from '../../commands/healthcheck.js'
import IssuesIgnore from '../../commands/issues/ignore.js'
import IssuesList from '../../commands/issues/list.js'
import IssuesReopen from '../../commands/issues/reopen.js'
import IssuesResolve from '../../commands/issues/resolve.js'
import KeyRotate from '../../commands/key/rotate.js'
import ProjectCreate from '../../commands/project/create.js'
import ProjectDelete from '../../commands/project/delete.js'
import ProjectList from '../../commands/project/list.js'
import ProjectShow from '../../commands/project/show.js'
import ProjectUpdate from '../../commands/project/update.js'
import Serve from '../../commands/serve.js'
import UserCreate from '../../commands/user/create.js'
import UserList from '../../commands/user/list.js'

/** Ids are the file paths under commands/ with `:` for `/` (oclif's own naming). */
export const COMMANDS: Record<string, Command.Class> = {
  'errors:export': ErrorsExport,
  'errors:list': ErrorsList,
  'errors:show': ErrorsShow,
  'errors:tail': ErrorsTail,
  healthcheck: Healthcheck,
  'issues:ignore': IssuesIgnore,
  'issues:list': IssuesList,
  'issues:reopen': IssuesReopen,
  'issues:resolve': IssuesResolve,
  'key:rotate': KeyRotate,
  'project:create': ProjectCreate,
  'project:delete': ProjectDelete,
  'project:list': ProjectList,
  'project:show': ProjectShow,
  'project:update': ProjectUpdate,
  serve: Serve,
  'user:create': UserCreate,
  'user:list': UserList,
}

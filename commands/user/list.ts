import {CrashlogCommand} from '../../src/cli/base-command.js'
import {formatTable} from '../../src/cli/output.js'
import {publicUser, type PublicUser} from '../../src/domain/users.js'

export default class UserList extends CrashlogCommand {
  static override summary = 'List users'
  static override enableJsonFlag = true

  async run(): Promise<{users: PublicUser[]}> {
    const {flags} = await this.parse(UserList)
    const {services} = await this.open(flags)
    const users = (await services.users.list()).map(publicUser)
    this.log(users.length === 0 ? 'no users yet' : formatTable(['ID', 'EMAIL', 'NAME', 'ROLE', 'CREATED'], users.map((u) => [u.id, u.email, u.name, u.role, u.createdAt])))
    return {users}
  }
}

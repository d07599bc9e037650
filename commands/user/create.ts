import {Flags} from '@oclif/core'
import {CrashlogCommand, settingFlags} from '../../src/cli/base-command.js'
import {formatFields} from '../../src/cli/output.js'
import {ask, isInteractive, readAllStdin} from '../../src/cli/prompt.js'
import {publicUser, type PublicUser} from '../../src/domain/users.js'
import {ValidationError} from '../../src/errors.js'

export default class UserCreate extends CrashlogCommand {
  static override summary = 'Create a user (the first admin is made here)'
  static override examples = [
    '<%= config.bin %> user create --admin --email ada@example.com --name "Ada Lovelace"',
    'printf %s "$PASSWORD" | <%= config.bin %> user create --email bob@example.com --name Bob --password-stdin',
  ]
  static override enableJsonFlag = true
  static override flags = {
    email: Flags.string({description: 'email address (login name)', required: true}),
    name: Flags.string({description: 'display name', required: true}),
    admin: Flags.boolean({description: 'make the user an admin (sees and manages every project)', default: false}),
    'password-stdin': Flags.boolean({description: 'read the password from standard input instead of prompting', default: false}),
    ...settingFlags('bcrypt-cost'),
  }

  async run(): Promise<PublicUser> {
    const {flags} = await this.parse(UserCreate)
    const password = await this.readPassword(flags['password-stdin'])
    const {services} = await this.open(flags)
    const user = await services.users.create({name: flags.name, email: flags.email, password, role: flags.admin ? 'admin' : 'member'})
    this.log(formatFields([['created user', user.email], ['id', user.id], ['role', user.role]]))
    return publicUser(user)
  }

  private async readPassword(fromStdin: boolean): Promise<string> {
    if (fromStdin) return (await readAllStdin()).replace(/\r?\n$/, '')
    if (!isInteractive()) throw new ValidationError('no password given: pass --password-stdin and pipe it in, or run in a terminal to be prompted')
    const first = await ask('Password (8–72 characters): ', true)
    const second = await ask('Repeat password: ', true)
    if (first !== second) throw new ValidationError('the two passwords differ')
    return first
  }
}

import bcrypt from 'bcrypt'
import {ConflictError, ForbiddenError, UnauthorizedError} from '../errors.js'
import {validatePassword, validateSignup, type LoginBody, type SignupBody} from '../schemas/accounts.js'
import {DuplicateKeyError, type Role, type Store, type User} from '../store/types.js'
import type {Config} from '../config.js'
import {newId} from './ids.js'

export interface PublicUser {
  id: string
  name: string
  email: string
  role: Role
  createdAt: string
  updatedAt: string
}

export function publicUser(user: User): PublicUser {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

export class UserService {
  /** Compared against when the email is unknown, so both failures cost one bcrypt check. */
  private dummyHash?: Promise<string>

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, 'bcryptCost' | 'signup'>,
  ) {}

  async create(input: {name: string; email: string; password: string; role?: Role}): Promise<User> {
    const body = validateSignup({name: input.name, email: normaliseEmail(input.email), password: input.password})
    const passwordHash = await bcrypt.hash(body.password, this.config.bcryptCost)
    try {
      return await this.store.createUser({name: body.name.trim(), email: body.email, passwordHash, role: input.role ?? 'member'})
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ConflictError(`a user with email ${body.email} already exists`, [{path: 'email', message: 'is already registered'}])
      throw err
    }
  }

  /**
   * Self-service registration. Always a member: an admin is made from the terminal
   * (`crashlog user create --admin`), so nobody can claim a fresh instance over HTTP.
   */
  async signup(body: SignupBody): Promise<User> {
    if (this.config.signup === 'closed') throw new ForbiddenError('signup is closed on this server; ask an administrator for an account')
    return this.create({...body, role: 'member'})
  }

  /** Unknown email and wrong password are one answer, at one cost. */
  async authenticate(body: LoginBody): Promise<User> {
    const user = await this.store.findUserByEmail(normaliseEmail(body.email))
    const hash = user?.passwordHash ?? (await this.getDummyHash())
    const ok = await bcrypt.compare(body.password, hash)
    if (!user || !ok) throw new UnauthorizedError('invalid email or password')
    return user
  }

  async list(): Promise<User[]> {
    return this.store.listUsers()
  }

  async count(): Promise<number> {
    return this.store.countUsers()
  }

  async findById(id: string): Promise<User | null> {
    return this.store.findUserById(id)
  }

  async findByEmail(email: string): Promise<User | null> {
    return this.store.findUserByEmail(normaliseEmail(email))
  }

  static validatePassword(password: string): string {
    return validatePassword(password)
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= bcrypt.hash(newId(), this.config.bcryptCost)
    return this.dummyHash
  }
}

import {compileValidator} from './ajv.js'

export interface SignupBody {
  name: string
  email: string
  password: string
}

export interface LoginBody {
  email: string
  password: string
}

// bcrypt only uses the first 72 bytes of a password; longer ones are refused
// rather than silently truncated.
const password = {type: 'string', minLength: 8, maxLength: 72}
const email = {type: 'string', format: 'email', maxLength: 254}

export const validateSignup = compileValidator<SignupBody>({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email', 'password'],
  properties: {
    name: {type: 'string', minLength: 1, maxLength: 100},
    email,
    password,
  },
})

export const validateLogin = compileValidator<LoginBody>({
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: {type: 'string', minLength: 1, maxLength: 254},
    password: {type: 'string', minLength: 1, maxLength: 1024},
  },
})

export const validatePassword = compileValidator<string>(password, 'password', 'password')
export const validateEmail = compileValidator<string>(email, 'email', 'email')

import {compileValidator} from './ajv.js'

export interface ProjectCreateBody {
  name: string
  description?: string
  slug?: string
}

export interface ProjectUpdateBody {
  name?: string
  description?: string
  slug?: string
}

// Lower-case letters, digits and inner dashes; never all digits, so `<id|slug>`
// arguments are unambiguous.
export const SLUG_PATTERN = '^(?![0-9]+$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'

const fields = {
  name: {type: 'string', minLength: 1, maxLength: 100},
  description: {type: 'string', maxLength: 1000},
  slug: {type: 'string', pattern: SLUG_PATTERN},
}

export const validateProjectCreate = compileValidator<ProjectCreateBody>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: fields,
})

export const validateProjectUpdate = compileValidator<ProjectUpdateBody>({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: fields,
})

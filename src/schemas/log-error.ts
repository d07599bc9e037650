import type {Level} from '../store/types.js'
import {compileValidator, type Validator} from './ajv.js'

export interface IngestLimits {
  /** Whole request body, bytes. */
  bodyBytes: number
  /** Sentry envelope or event body after decompression, bytes. */
  envelopeBytes: number
  messageBytes: number
  stackBytes: number
  maxTags: number
  tagKeyLength: number
  tagValueLength: number
}

export interface LogErrorBody {
  message: string
  type?: string
  stack?: string
  tags?: Record<string, string>
  timestamp?: string | number
  level?: Level
  environment?: string
  release?: string
  platform?: string
  url?: string
  browser?: {name?: string; version?: string}
  os?: {name?: string; version?: string}
  client?: Record<string, unknown>
  user?: Record<string, unknown>
  fingerprint?: string | string[]
}

export const LEVELS: Level[] = ['fatal', 'error', 'warning', 'info', 'debug']

const shortString = {type: 'string', maxLength: 200}
const nameVersion = {
  type: 'object',
  additionalProperties: false,
  properties: {name: {type: 'string', maxLength: 100}, version: {type: 'string', maxLength: 100}},
}
const context = {type: 'object', maxProperties: 50}

export function logErrorSchema(limits: IngestLimits): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: {
      message: {type: 'string', minLength: 1, maxBytes: limits.messageBytes},
      type: shortString,
      stack: {type: 'string', maxBytes: limits.stackBytes},
      tags: {
        type: 'object',
        maxProperties: limits.maxTags,
        propertyNames: {minLength: 1, maxLength: limits.tagKeyLength},
        additionalProperties: {type: 'string', maxLength: limits.tagValueLength},
      },
      // ISO 8601 / RFC 3339 string, or epoch milliseconds.
      timestamp: {
        anyOf: [
          {type: 'string', format: 'date-time'},
          {type: 'integer', minimum: 0, maximum: 8640000000000000},
        ],
      },
      level: {type: 'string', enum: LEVELS},
      environment: shortString,
      release: shortString,
      platform: {type: 'string', maxLength: 64},
      url: {type: 'string', maxLength: 2048},
      browser: nameVersion,
      os: nameVersion,
      client: context,
      user: context,
      fingerprint: {
        anyOf: [
          {type: 'string', minLength: 1, maxLength: 200},
          {type: 'array', minItems: 1, maxItems: 10, items: {type: 'string', maxLength: 200}},
        ],
      },
    },
  }
}

export function compileLogErrorValidator(limits: IngestLimits): Validator<LogErrorBody> {
  return compileValidator<LogErrorBody>(logErrorSchema(limits))
}

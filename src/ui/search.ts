// The dashboard's side of the `q` language (the server parses it for real): enough
// to move `is:` into the status tabs and to know when a query filters single events.

import type {IssueStatus} from './api.js'

export interface Term {
  key?: string
  value: string
  raw: string
}

const STATUSES: IssueStatus[] = ['unresolved', 'resolved', 'ignored']
/** Keys the issues list understands; every other key:value filters single events. */
const ISSUE_KEYS = new Set(['is', 'type', 'level'])

export function terms(q: string): Term[] {
  const out: Term[] = []
  const re = /([A-Za-z0-9_][A-Za-z0-9_.-]{0,63}):("[^"]*"?|\S*)|"[^"]*"?|\S+/g
  for (const match of q.matchAll(re)) {
    const raw = match[0]
    if (match[1] !== undefined) out.push({key: match[1], value: match[2].replace(/^"|"$/g, ''), raw})
    else out.push({value: raw.replace(/^"|"$/g, ''), raw})
  }
  return out
}

/** `is:resolved checkout failed` → status resolved, q "checkout failed". */
export function takeStatus(q: string): {status?: IssueStatus; q: string} {
  let status: IssueStatus | undefined
  const rest: string[] = []
  for (const term of terms(q)) {
    if (term.key?.toLowerCase() === 'is' && STATUSES.includes(term.value as IssueStatus)) status = term.value as IssueStatus
    else rest.push(term.raw)
  }
  return {status, q: rest.join(' ')}
}

/** Terms such as tags, `browser:` or `release:` that the issues list cannot apply. */
export function eventOnlyTerms(q: string): Term[] {
  return terms(q).filter((t) => t.key !== undefined && !ISSUE_KEYS.has(t.key.toLowerCase()))
}

/** Quotes a value when it has spaces or quotes: `checkout:"step 2"`. */
export function term(key: string, value: string): string {
  return /[\s"]/.test(value) || value === '' ? `${key}:"${value.replace(/"/g, '')}"` : `${key}:${value}`
}

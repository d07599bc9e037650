import {createHash} from 'node:crypto'
import type {StackFrame} from './stack.js'

/** How many in-app frames, from the top, decide the group. */
const TOP_FRAMES = 5

/**
 * The message with what varies between occurrences of one error taken out:
 * quoted values, UUIDs, hex and numbers.
 */
export function normaliseMessage(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '<q>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8,}\b/gi, '<hex>')
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1024)
}

/** File without query string or fragment (cache busters), function as given; no line numbers. */
function frameKey(frame: StackFrame): string {
  const file = (frame.file ?? '').replace(/[?#].*$/, '')
  return `${file}|${frame.function ?? ''}`
}

export function computeFingerprint(input: {type: string; message: string; frames: StackFrame[]; fingerprint?: string}): string {
  const hash = createHash('sha256')
  if (input.fingerprint !== undefined) {
    // The client's own grouping wins; hashed so its length and characters do not matter.
    hash.update('custom\0' + input.fingerprint)
  } else {
    const inApp = input.frames.filter((f) => f.inApp)
    const top = (inApp.length > 0 ? inApp : input.frames).slice(0, TOP_FRAMES)
    hash.update(['auto', input.type, normaliseMessage(input.message), ...top.map(frameKey)].join('\0'))
  }
  return hash.digest('hex').slice(0, 32)
}

/** The issue id follows from (project, fingerprint): every writer agrees without reading first. */
export function issueIdFor(projectId: number, fingerprint: string): string {
  return createHash('sha256').update(`${projectId}\0${fingerprint}`).digest('hex').slice(0, 32)
}

import {hash} from 'node:crypto'
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

/**
 * What the frames add to an automatic fingerprint: the top in-app frames (or the top
 * frames, when none is in-app), '' for none. Separate so a caller that sees the same
 * frames again (a cached stack) computes it once.
 */
export function framesKey(frames: readonly StackFrame[]): string {
  const inApp = frames.filter((f) => f.inApp)
  return (inApp.length > 0 ? inApp : frames).slice(0, TOP_FRAMES).map(frameKey).join('\0')
}

export interface FingerprintInput {
  type: string
  message: string
  frames: readonly StackFrame[]
  fingerprint?: string
}

/**
 * `parts` lets a caller pass what it already knows: the frames' key, and the message
 * normalised (both are pure functions of their input).
 */
export function computeFingerprint(input: FingerprintInput, parts: {framesKey?: string; normalisedMessage?: string} = {}): string {
  // The client's own grouping wins; hashed so its length and characters do not matter.
  if (input.fingerprint !== undefined) return sha256Hex32('custom\0' + input.fingerprint)
  const frames = parts.framesKey ?? framesKey(input.frames)
  const message = parts.normalisedMessage ?? normaliseMessage(input.message)
  // The text hashed is the same as ever ('auto', type, message, frame keys, joined by NUL): stored fingerprints stay valid.
  return sha256Hex32(`auto\0${input.type}\0${message}${frames === '' ? '' : `\0${frames}`}`)
}

/** The issue id follows from (project, fingerprint): every writer agrees without reading first. */
export function issueIdFor(projectId: number, fingerprint: string): string {
  return sha256Hex32(`${projectId}\0${fingerprint}`)
}

// crypto.hash: one call, no Hash object per event.
function sha256Hex32(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 32)
}

// Stack traces as structured frames, from the text formats browsers and Node print.

import type {StackFrame} from '../../store/types.js'

export type {StackFrame}

// V8 (Chrome, Node, Edge):  "    at fn (file:line:col)" / "    at file:line:col" / "    at async fn (...)"
const V8 = /^\s*at (?:(?:async |new )?(.+?) \((.+?)(?::(\d+))?(?::(\d+))?\)|(.+?)(?::(\d+))?(?::(\d+))?)\s*$/
// SpiderMonkey / JavaScriptCore (Firefox, Safari):  "fn@file:line:col"
const GECKO = /^\s*(.*?)@(.+?)(?::(\d+))?(?::(\d+))?\s*$/

const MAX_FRAMES = 200

export function isInApp(file: string | undefined): boolean {
  if (!file) return false
  return !(
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    file.includes('/node_modules/') ||
    file === 'native' ||
    file === '<anonymous>' ||
    file.startsWith('chrome-extension://') ||
    file.startsWith('moz-extension://') ||
    file.startsWith('webpack/bootstrap')
  )
}

function frame(fn: string | undefined, file: string | undefined, line?: string, column?: string): StackFrame {
  const out: StackFrame = {inApp: isInApp(file)}
  if (fn) out.function = fn
  if (file) out.file = file
  if (line) out.line = Number(line)
  if (column) out.column = Number(column)
  return out
}

/** Frames innermost first, as the text lists them. Lines that are not frames are skipped. */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = []
  for (const raw of stack.split('\n')) {
    if (frames.length >= MAX_FRAMES) break
    const line = raw.trimEnd()
    let m = V8.exec(line)
    if (m && /^\s*at /.test(line)) {
      frames.push(m[2] !== undefined ? frame(m[1], m[2], m[3], m[4]) : frame(undefined, m[5], m[6], m[7]))
      continue
    }
    m = GECKO.exec(line)
    if (m && m[2] && /[/:]/.test(m[2])) frames.push(frame(m[1] || undefined, m[2], m[3], m[4]))
  }
  return frames
}

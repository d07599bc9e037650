import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

/** The built CLI (`npm run build` first), as a user runs it. */
export const RUN_JS = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], options: {env?: Record<string, string>; input?: string; timeoutMs?: number} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_JS, ...args], {
      env: {...process.env, CRASHLOG_DB: '', NO_COLOR: '1', ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
    child.stdin.end(options.input ?? '')
  })
}

/** Runs a command with --json and parses its output; fails loudly on a non-zero exit. */
export async function runCliJson<T = any>(args: string[], options: {env?: Record<string, string>; input?: string} = {}): Promise<T> {
  const res = await runCli([...args, '--json'], options)
  if (res.code !== 0) throw new Error(`crashlog ${args.join(' ')} exited ${res.code}: ${res.stderr}${res.stdout}`)
  return JSON.parse(res.stdout) as T
}

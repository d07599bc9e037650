import {spawn, type ChildProcess} from 'node:child_process'
import {RUN_JS} from './cli.js'

export interface ServeProcess {
  child: ChildProcess
  url: string
  output(): string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

/** `crashlog serve` as a real child process on a free port; resolves once it listens. */
export function startServeProcess(dbUrl: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_JS, 'serve', '--port', '0', '--db', dbUrl, ...args], {
      env: {...process.env, NO_COLOR: '1', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`crashlog serve did not start in time:\n${out}`))
    }, 30_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({child, url: m[1], output: () => out, exited})
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`crashlog serve exited early (${code}):\n${out}`))
    })
  })
}

// Child processes for the benchmark: starting and stopping servers, the CLI, the
// load generator, and reading a process's RSS and CPU time from /proc.

import {execFileSync, fork, spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {LoadJob, LoadResult} from './load.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const RUN_JS = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const LOAD_JS = fileURLToPath(new URL('./load.js', import.meta.url))
const BARE_JS = fileURLToPath(new URL('./bare-server.js', import.meta.url))

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let clockTicks = 100
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100
} catch {
  // 100 on every Linux this runs on
}

/** Resident set size in MiB (VmRSS), or NaN once the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks
  } catch {
    return NaN
  }
}

/** Bytes the process has caused to be written to storage, and its write system calls (/proc/<pid>/io). */
export function ioCounters(pid: number): {writeBytes: number; writeCalls: number} {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8')
    const get = (key: string): number => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
    return {writeBytes: get('write_bytes'), writeCalls: get('syscw')}
  } catch {
    return {writeBytes: NaN, writeCalls: NaN}
  }
}

/** Busy CPU seconds of the whole machine so far (all cores, from /proc/stat). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
    return (user + nice + system + irq + softirq + steal) / clockTicks
  } catch {
    return NaN
  }
}

export interface Server {
  child: ChildProcess
  pid: number
  url: string
  output(): string
  stop(): Promise<void>
}

function startListening(command: string, args: string[], what: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {cwd: ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 60_000)))])
      clearTimeout(timer)
      if (!done) {
        child.kill('SIGKILL')
        await exited
        throw new Error(`${what} did not stop within 60 s of SIGTERM; killed`)
      }
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not start within 60 s:\n${out}`))
    }, 60_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m && timer) {
        clearTimeout(timer)
        resolve({child, pid: child.pid!, url: m[1].replace(/\/$/, ''), output: () => out, stop})
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${what} exited early (${child.exitCode ?? child.signalCode}):\n${out}`))
    })
  })
}

/** `durableFile`: the bare server appends each body there and answers after an fdatasync (see bare-server.ts). */
export function startBare(durableFile?: string): Promise<Server> {
  return startListening(process.execPath, [BARE_JS, ...(durableFile ? ['--durable', durableFile] : [])], 'bare server')
}

export function startServe(dbUrl: string, args: string[] = [], nodeFlags: string[] = []): Promise<Server> {
  return startListening(process.execPath, [...nodeFlags, RUN_JS, 'serve', '--port', '0', '--db', dbUrl, ...args], 'crashlog serve')
}

/** Runs the crashlog CLI; resolves with stdout, rejects with its output on a non-zero exit. */
export function cli(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_JS, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`crashlog ${args.join(' ')} exited ${code}:\n${stdout}${stderr}`))
    })
    child.stdin.end(input)
  })
}

export interface Measured {
  load: LoadResult
  /** Server CPU use over the run, in cores (1.0 = one core busy all the time). */
  serverCores: number
  /** Server CPU time per answered request, in microseconds: less sensitive to a busy machine than req/s. */
  serverCpuPerRequestUs: number
  /** Bytes written to storage and write system calls (files and sockets) by the server, per answered request. */
  diskBytesPerRequest: number
  writeCallsPerRequest: number
  loadCores: number
  /** Everything else that kept the machine's CPUs busy meanwhile (other processes, kernel), in cores. */
  otherCores: number
  rssStart: number
  rssEnd: number
  rssMax: number
}

/** Forks the load generator for one job and samples the server's RSS and CPU meanwhile. */
export function runLoad(job: LoadJob, serverPid: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(LOAD_JS, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']})
    const rssStart = rssMiB(serverPid)
    let rssMax = rssStart
    let serverCpu0 = NaN
    let loadCpu0 = NaN
    let machine0 = NaN
    let io0 = {writeBytes: NaN, writeCalls: NaN}
    let t0 = 0n
    let reply: {ok: true; result: LoadResult} | {ok: false; error: string} | undefined
    const sampler = setInterval(() => {
      const rss = rssMiB(serverPid)
      if (rss > rssMax) rssMax = rss
    }, 250)
    child.on('spawn', () => {
      serverCpu0 = cpuSeconds(serverPid)
      loadCpu0 = cpuSeconds(child.pid!)
      machine0 = machineBusySeconds()
      io0 = ioCounters(serverPid)
      t0 = process.hrtime.bigint()
      child.send(job)
    })
    child.on('message', (m) => {
      reply = m as typeof reply
      // Read before the generator exits: its /proc entry goes with it.
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      const serverCpu = cpuSeconds(serverPid) - serverCpu0
      const serverCores = serverCpu / seconds
      const loadCores = (cpuSeconds(child.pid!) - loadCpu0) / seconds
      const io1 = ioCounters(serverPid)
      const answered = Math.max(1, reply?.ok ? reply.result.answered : 1)
      const otherCores = (machineBusySeconds() - machine0) / seconds - serverCores - loadCores
      clearInterval(sampler)
      const rssEnd = rssMiB(serverPid)
      if (reply?.ok) resolve({load: reply.result, serverCores, serverCpuPerRequestUs: (serverCpu / answered) * 1e6, diskBytesPerRequest: (io1.writeBytes - io0.writeBytes) / answered, writeCallsPerRequest: (io1.writeCalls - io0.writeCalls) / answered, loadCores, otherCores, rssStart, rssEnd, rssMax: Math.max(rssMax, rssEnd)})
    })
    child.on('exit', (code) => {
      clearInterval(sampler)
      if (!reply) reject(new Error(`load generator exited ${code} without a result`))
      else if (!reply.ok) reject(new Error(`load generator failed: ${reply.error}`))
    })
  })
}

export const BENCH_USER = {email: 'bench@example.com', password: 'bench-password-123'}

/** A user (BENCH_USER) and a project, made with the CLI; the project's rate limit set when given. */
export async function createProject(dbUrl: string, rateLimit?: string): Promise<{projectId: number; apiKey: string}> {
  await cli(['user', 'create', '--email', BENCH_USER.email, '--name', 'Bench', '--password-stdin', '--bcrypt-cost', '4', '--db', dbUrl], `${BENCH_USER.password}\n`)
  const created = JSON.parse(await cli(['project', 'create', '--name', 'Bench', '--owner', BENCH_USER.email, '--db', dbUrl, '--json'])) as {project: {id: number}; apiKey: string}
  if (rateLimit !== undefined) await cli(['project', 'update', String(created.project.id), '--rate-limit', rateLimit, '--db', dbUrl, '--json'])
  return {projectId: created.project.id, apiKey: created.apiKey}
}

// The program's entry, shared by bin/run.js and the single-file binary
// (src/binary/main.ts): loads oclif's configuration, answers --version with the
// commit, and runs the command.

import {existsSync, readFileSync, statSync} from 'node:fs'
import {userInfo} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Command, Config, Interfaces} from '@oclif/core'
import {asksForVersion, versionLine} from './version.js'

export interface CliOptions {
  /** Where the program lives: bin/run.js's import.meta.url, or the binary's folder. */
  root: string
  /** The git commit the program was built from; read from the checkout when absent. */
  commit?: string
  /**
   * A bundled program has no package.json and no command files on disk: oclif gets
   * both from here and then reads and imports no file of its own.
   */
  bundle?: {pjson: Interfaces.PJSON; commands: Record<string, Command.Class>}
  args?: string[]
}

export async function runCli(options: CliOptions): Promise<void> {
  const args = options.args ?? process.argv.slice(2)
  const root = options.root.startsWith('file:') ? fileURLToPath(options.root) : options.root
  if (asksForVersion(args)) {
    // Before oclif loads (and with it every command): --version stays instant.
    const pjson = options.bundle?.pjson ?? readPackageJson(root)
    process.stdout.write(`${versionLine(pjson, options.commit ?? gitCommit(root))}\n`)
    return
  }
  // oclif asks the user database for the login shell when SHELL is unset, which throws
  // for a uid with no passwd entry (docker run --user 12345, Kubernetes runAsUser).
  if (process.env.SHELL === undefined && !hasPasswdEntry()) process.env.SHELL = '/bin/sh'
  const {Config, execute} = await import('@oclif/core')
  const config = options.bundle ? await bundledConfig(root, options.bundle) : await Config.load(root)
  await execute({args, loadOptions: config})
}

function hasPasswdEntry(): boolean {
  try {
    userInfo()
    return true
  } catch {
    return false
  }
}

/** The package.json above bin/run.js. */
function readPackageJson(from: string): {name: string; version: string} {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name: string; version: string}
}

async function bundledConfig(root: string, bundle: NonNullable<CliOptions['bundle']>): Promise<Config> {
  const {Config, Plugin} = await import('@oclif/core')
  const plugin = new Plugin({root, pjson: bundle.pjson, isRoot: true, ignoreManifest: true})
  // The "explicit" strategy's command table, given instead of imported from
  // pjson.oclif.commands.target (a file that does not exist inside the binary).
  Object.assign(plugin, {commandCache: bundle.commands})
  await plugin.load()
  return Config.load({root, pjson: bundle.pjson, plugins: new Map([[plugin.name, plugin]])})
}

/** The checkout's HEAD commit, from the files under .git (no git process), or 'unknown'. */
export function gitCommit(root: string): string {
  try {
    let dir = root
    while (!existsSync(join(dir, '.git'))) {
      const parent = dirname(dir)
      if (parent === dir) return 'unknown'
      dir = parent
    }
    let git = join(dir, '.git')
    // A worktree's or submodule's .git is a file naming the real folder.
    if (statSync(git).isFile()) git = resolve(dir, readFileSync(git, 'utf8').replace(/^gitdir:\s*/, '').trim())
    const common = existsSync(join(git, 'commondir')) ? resolve(git, readFileSync(join(git, 'commondir'), 'utf8').trim()) : git
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim()
    if (!head.startsWith('ref: ')) return head.slice(0, 12)
    const ref = head.slice('ref: '.length)
    const loose = join(common, ref)
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim().slice(0, 12)
    const packed = readFileSync(join(common, 'packed-refs'), 'utf8').split('\n').find((line) => line.endsWith(` ${ref}`))
    return packed ? packed.slice(0, 12) : 'unknown'
  } catch {
    return 'unknown'
  }
}

// Inside the single-file binary (scripts/build-binary.mjs): the files that must exist
// on disk, written from the binary's own assets to a cache folder the first time they
// are needed.
//
// - Native addons (bcrypt, better-sqlite3): the dynamic loader opens only real files.
// - The SQLite checkpoint worker: a worker thread starts from a file.
// - The dashboard (dist/ui): ui.ts reads it from the folder next to the compiled code.
//
// Code that finds files next to itself (`new URL('./x.js', import.meta.url)`) gets the
// URL it would have in dist/, moved into the cache folder, which holds the same
// layout: <cache>/dist/ui/…, <cache>/dist/src/store/sqlite/checkpoint-worker.js.
//
// The cache folder is <base>/<version>-<build id>, where <base> is $CRASHLOG_CACHE_DIR
// if set, else $XDG_CACHE_HOME/crashlog, else ~/.cache/crashlog, else
// <tmpdir>/crashlog-<uid>. Security: the folder must belong to the running user and be
// writable by no one else (a planted .node file would run as this user), and every
// file is compared with the binary's copy before each first use in a process and
// rewritten when it differs; a new build gets a new folder, an old one can be deleted.

import {randomBytes} from 'node:crypto'
import {accessSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {getRawAsset} from 'node:sea'
import {pathToFileURL} from 'node:url'
import type {Interfaces} from '@oclif/core'

export interface SeaBuild {
  version: string
  commit: string
  /** Short hash of everything embedded: a rebuilt binary never reuses another's cache. */
  buildId: string
  /** package.json's name, version and oclif section, for oclif. */
  pjson: Interfaces.PJSON
  /** Paths of the files kept as assets (each asset is named by its path in the cache folder). */
  files: string[]
  /** Native addon name, as the package asks for it, → its path in the cache folder. */
  natives: Record<string, string>
}

// Replaced with the build's JSON by the bundler (esbuild `define`); never read outside the binary.
declare const __CRASHLOG_SEA_BUILD__: SeaBuild

export function seaBuild(): SeaBuild {
  return __CRASHLOG_SEA_BUILD__
}

let folder: string | undefined

/** The cache folder for this build, created on first use. */
export function cacheDir(): string {
  if (folder !== undefined) return folder
  const build = seaBuild()
  const env = process.env
  const bases: string[] = []
  if (env.CRASHLOG_CACHE_DIR) {
    // An explicit choice is the only one tried: failing loudly beats a surprise location.
    bases.push(resolve(env.CRASHLOG_CACHE_DIR))
  } else {
    if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) bases.push(join(env.XDG_CACHE_HOME, 'crashlog'))
    const home = env.HOME || safeHomedir()
    if (home) bases.push(join(home, '.cache', 'crashlog'))
    bases.push(join(tmpdir(), `crashlog-${process.getuid?.() ?? 'user'}`))
  }
  const failures: string[] = []
  for (const base of bases) {
    const dir = join(base, `${build.version}-${build.buildId}`)
    try {
      mkdirSync(dir, {recursive: true, mode: 0o700})
      const uid = process.getuid?.()
      const own = statSync(dir)
      if (uid !== undefined && own.uid !== uid) throw new Error(`belongs to uid ${own.uid}, not to this user (${uid})`)
      if ((own.mode & 0o022) !== 0) throw new Error('is writable by other users')
      // Nor may anyone else swap the folder itself: its parent is this user's or root's,
      // and others may write to it only where the sticky bit stops renames (/tmp).
      const parent = statSync(base)
      if (uid !== undefined && parent.uid !== uid && parent.uid !== 0) throw new Error(`${base} belongs to uid ${parent.uid}`)
      if ((parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0) throw new Error(`${base} is writable by other users`)
      accessSync(dir, constants.W_OK)
      folder = dir
      return dir
    } catch (err) {
      failures.push(`${dir}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  throw new Error(`no usable cache folder for the binary's native modules (${failures.join('; ')}); set CRASHLOG_CACHE_DIR to a folder this user owns`)
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined
  } catch {
    return undefined
  }
}

const ready = new Set<string>()

/** The path of one embedded file in the cache folder, written there unless already identical. */
export function extract(path: string): string {
  const dest = join(cacheDir(), path)
  if (ready.has(path)) return dest
  // A view of the binary's own memory, not a copy (Node documents it as an ArrayBuffer).
  const body = Buffer.from(getRawAsset(path) as ArrayBuffer)
  let same = false
  try {
    same = statSync(dest).size === body.length && readFileSync(dest).equals(body)
  } catch {
    same = false
  }
  if (!same) {
    mkdirSync(dirname(dest), {recursive: true, mode: 0o700})
    // Written aside and renamed: a process starting at the same time sees the old
    // file or the whole new one, never half of it.
    const temp = `${dest}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    writeFileSync(temp, body, {mode: 0o600})
    renameSync(temp, dest)
  }
  ready.add(path)
  return dest
}

const natives = new Map<string, unknown>()

/** A native addon's exports, loaded from the cache folder (the name is what the package asks for). */
export function loadNative(name: string): unknown {
  const loaded = natives.get(name)
  if (loaded !== undefined) return loaded
  const path = seaBuild().natives[name]
  if (path === undefined) throw new Error(`the native module ${name} is not part of this binary`)
  const file = extract(path)
  const module = {exports: {} as unknown}
  try {
    process.dlopen(module, file)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new Error(`cannot load ${file}: ${message} (a cache folder on a noexec file system cannot hold native modules: set CRASHLOG_CACHE_DIR)`)
  }
  natives.set(name, module.exports)
  return module.exports
}

/**
 * A native addon that loads on first use: a package that loads its addon when it is
 * imported (bcrypt) then costs nothing to commands that never call it (--version, --help).
 */
export function lazyNative(name: string): object {
  return new Proxy(
    {},
    {
      get: (_target, key) => Reflect.get(loadNative(name) as object, key),
      has: (_target, key) => Reflect.has(loadNative(name) as object, key),
    },
  )
}

let distWritten = false

/** The file: URL a compiled module at `path` (e.g. dist/src/http/routes/ui.js) would have, in the cache folder. */
export function moduleUrl(path: string): string {
  if (!distWritten) {
    for (const file of seaBuild().files) if (file.startsWith('dist/')) extract(file)
    distWritten = true
  }
  return pathToFileURL(join(cacheDir(), path)).href
}

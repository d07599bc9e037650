#!/usr/bin/env node
// Builds the single-file program, dist/crashlog-<platform>-<arch> (linux-x64 here), with
// Node's single executable applications: the compiled code (dist/, from `npm run build`)
// bundled by esbuild into one CommonJS script, the files that must exist on disk (the
// native addons, the SQLite worker threads, the dashboard) as SEA assets, all
// injected with postject into a copy of the Node binary that runs this script.
// Part of `npm run build:binary`, which runs `npm run build` first. Works offline.
//
//   node scripts/build-binary.mjs [--no-strip]
//     --no-strip   keep Node's debug symbols (about 13 MB more)
//
// What the binary does with its assets at run time: src/binary/sea-runtime.ts.
// Environment: CRASHLOG_COMMIT overrides the commit stamped into --version (for builds
// without .git, e.g. `docker build --build-arg CRASHLOG_COMMIT=$(git rev-parse HEAD)`).

import {execFileSync, spawnSync} from 'node:child_process'
import {Buffer} from 'node:buffer'
import {createHash} from 'node:crypto'
import {chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, relative, resolve, sep} from 'node:path'
import process from 'node:process'
import {fileURLToPath} from 'node:url'
import * as esbuild from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const dist = join(root, 'dist')
const work = join(dist, 'binary')
const target = `${process.platform}-${process.arch}`
const output = join(dist, `crashlog-${target}`)
const strip = !process.argv.includes('--no-strip')
const started = Date.now()

// The SEA fuse every Node binary carries (Node's documentation; postject looks for it).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const RUNTIME = join(dist, 'src/binary/sea-runtime.js')
const MAIN = join(dist, 'src/binary/main.js')
// Worker threads start from a file: each is bundled on its own and kept as an asset.
const WORKERS = ['dist/src/store/sqlite/checkpoint-worker.js', 'dist/src/store/sqlite/event-writer-worker.js']

function fail(message) {
  process.stderr.write(`build-binary: ${message}\n`)
  process.exit(1)
}

function log(line) {
  process.stdout.write(`build-binary: ${line}\n`)
}

if (process.platform !== 'linux') fail(`only Linux builds are supported (this is ${target})`)
for (const file of [RUNTIME, MAIN, ...WORKERS.map((w) => join(root, w))]) {
  if (!existsSync(file)) fail(`${relative(root, file)} is missing: run \`npm run build\` first`)
}

// --- the dashboard --------------------------------------------------------------------
// `npm run build` writes dist/ui; build it here when that has not happened.
if (!existsSync(join(dist, 'ui/index.html')) && existsSync(join(root, 'scripts/build-ui.mjs'))) {
  log('dist/ui is missing; building the dashboard')
  const built = spawnSync(process.execPath, [join(root, 'scripts/build-ui.mjs')], {cwd: root, stdio: 'inherit'})
  if (built.status !== 0) fail('the dashboard did not build (scripts/build-ui.mjs)')
}
if (!existsSync(join(dist, 'ui/index.html'))) fail('dist/ui/index.html is missing: the binary must carry the dashboard')

// --- what goes in ---------------------------------------------------------------------
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

function gitCommit() {
  if (process.env.CRASHLOG_COMMIT) return process.env.CRASHLOG_COMMIT.trim().slice(0, 40)
  try {
    const git = (...args) => execFileSync('git', args, {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
    const commit = git('rev-parse', '--short=12', 'HEAD')
    // Tracked files changed since that commit: the binary is not exactly that commit.
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== ''
    return dirty ? `${commit}-dirty` : commit
  } catch {
    return 'unknown'
  }
}

/** The addon file each native package would load on this machine. */
function nativeFiles() {
  const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'))
  const sqlite = ['build/Release/better_sqlite3.node', 'build/Debug/better_sqlite3.node'].map((f) => join(sqliteDir, f)).find((f) => existsSync(f))
  if (!sqlite) fail(`no better_sqlite3.node under ${sqliteDir}/build: reinstall better-sqlite3`)
  const bcryptDir = dirname(require.resolve('bcrypt/package.json'))
  // bcrypt loads through node-gyp-build, which picks the prebuild for this libc and CPU.
  const bcrypt = require(require.resolve('node-gyp-build', {paths: [bcryptDir]})).path(bcryptDir)
  return {'better_sqlite3.node': sqlite, bcrypt}
}

const commit = gitCommit()
const natives = nativeFiles()

rmSync(work, {recursive: true, force: true})
mkdirSync(join(work, 'assets'), {recursive: true})

/** Every embedded file: asset name (its path in the cache folder) → contents. */
const assets = new Map()
const addTree = (dir, prefix) => {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    // Everything, source maps included: the binary serves what `node bin/run.js` serves.
    if (entry.isDirectory()) addTree(path, `${prefix}${entry.name}/`)
    else assets.set(`${prefix}${entry.name}`, readFileSync(path))
  }
}
addTree(join(dist, 'ui'), 'dist/ui/')
// The workers are .js files in a folder with no package.json above them: CommonJS, said so.
assets.set('dist/package.json', Buffer.from('{"type": "commonjs"}\n'))
const nativeAssets = {}
for (const [name, file] of Object.entries(natives)) {
  const asset = `native/${name.replace(/\.node$/, '')}.node`
  nativeAssets[name] = asset
  assets.set(asset, readFileSync(file))
}

// --- esbuild: one CommonJS script, and the worker's --------------------------------------
const runtimeImport = JSON.stringify(RUNTIME)

/** bindings / node-gyp-build look for .node files on disk; inside the binary they come from sea-runtime. */
const nativePlugin = {
  name: 'crashlog-native',
  setup(build) {
    // One module per importing file: two packages asking for `bindings` get their own addon.
    build.onResolve({filter: /^(bindings|node-gyp-build)$/}, (args) => ({
      path: `${args.path} from ${relative(root, args.importer)}`,
      namespace: 'crashlog-native',
      pluginData: {loader: args.path, importer: args.importer},
    }))
    build.onLoad({filter: /.*/, namespace: 'crashlog-native'}, (args) => {
      const {loader, importer: from} = args.pluginData
      const importer = from.split(sep).join('/')
      if (loader === 'bindings' && importer.includes('/node_modules/better-sqlite3/')) {
        return {loader: 'js', resolveDir: root, contents: `const {loadNative} = require(${runtimeImport}); module.exports = (name) => loadNative(String(name));`}
      }
      if (loader === 'node-gyp-build' && importer.includes('/node_modules/bcrypt/')) {
        return {loader: 'js', resolveDir: root, contents: `const {lazyNative} = require(${runtimeImport}); module.exports = () => lazyNative('bcrypt');`}
      }
      throw new Error(`${importer} loads a native addon through ${loader}; add it to scripts/build-binary.mjs`)
    })
  },
}

// Packages the code asks for but never needs in the binary get the "not found" they
// would get from an install without them (and not SEA's warning about require()):
// - the MongoDB driver's optional packages (Kerberos, compression, cloud auth,
//   field-level encryption), not installed anyway;
// - typescript (9 MB), which oclif loads only to run a plugin's .ts sources in development.
const OPTIONAL = ['kerberos', 'snappy', '@mongodb-js/zstd', 'mongodb-client-encryption', '@aws-sdk/credential-providers', 'gcp-metadata', 'socks', 'aws4', '@mongodb-js/kerberos', 'typescript']
const optionalPlugin = {
  name: 'crashlog-optional',
  setup(build) {
    const filter = new RegExp(`^(${OPTIONAL.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})(/.*)?$`)
    build.onResolve({filter}, (args) => ({path: args.path, namespace: 'crashlog-optional'}))
    build.onLoad({filter: /.*/, namespace: 'crashlog-optional'}, (args) => ({
      loader: 'js',
      contents: `const err = new Error(${JSON.stringify(`Cannot find module '${args.path}' (not part of the crashlog binary)`)}); err.code = 'MODULE_NOT_FOUND'; throw err;`,
    }))
  },
}

/**
 * `import.meta.url` of a compiled module becomes the URL the same file would have in the
 * cache folder (sea-runtime moduleUrl), where its neighbours (the worker, dist/ui) are.
 */
const metaUrlPlugin = {
  name: 'crashlog-import-meta',
  setup(build) {
    build.onLoad({filter: /\.js$/}, (args) => {
      if (!args.path.startsWith(dist + sep) || args.path.includes(`${sep}node_modules${sep}`)) return undefined
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes('import.meta')) return undefined
      const path = relative(root, args.path).split(sep).join('/')
      const contents = source.replaceAll('import.meta.url', `__crashlogModuleUrl(${JSON.stringify(path)})`)
      if (contents.includes('import.meta')) throw new Error(`${path} uses import.meta beyond import.meta.url; teach scripts/build-binary.mjs about it`)
      return {loader: 'js', contents: `import {moduleUrl as __crashlogModuleUrl} from ${runtimeImport};\n${contents}`}
    })
  },
}

/**
 * Small source edits for code that reads its own files from node_modules at run time,
 * each checked: a dependency update that changes the code fails the build here.
 */
const PATCHES = [
  {
    // @oclif/core checks process.versions.node against its engines field when imported:
    // a static require lets the bundle carry that package.json.
    file: 'node_modules/@oclif/core/lib/index.js',
    from: "require(path.join(root, 'package.json'))",
    to: 'require("../package.json")',
  },
]
const patchesApplied = new Set()
const patchPlugin = {
  name: 'crashlog-patches',
  setup(build) {
    const byFile = new Map(PATCHES.map((p) => [join(root, p.file), p]))
    build.onLoad({filter: /\.js$/}, (args) => {
      const patch = byFile.get(args.path)
      if (!patch) return undefined
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(patch.from)) throw new Error(`${patch.file} no longer contains ${patch.from}; update PATCHES in scripts/build-binary.mjs`)
      patchesApplied.add(patch.file)
      return {loader: 'js', contents: source.replace(patch.from, patch.to), resolveDir: dirname(args.path)}
    })
  },
}

async function bundle(entry, outfile, build) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Whitespace and syntax only: 13 MB less memory at run time than the plain bundle
    // (measured), while names stay readable in `--debug` stack traces; keepNames keeps
    // the classes' .name (error classes, oclif's command classes).
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    define: {__CRASHLOG_SEA_BUILD__: JSON.stringify(build)},
    plugins: [patchPlugin, nativePlugin, optionalPlugin, metaUrlPlugin],
  })
  // Anything left to load from disk at run time would fail inside the binary.
  const external = Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.external && !i.path.startsWith('node:') && !isBuiltin(i.path) && !PROBES.has(i.path))
  if (external.length > 0) throw new Error(`${relative(root, outfile)} still imports from disk: ${[...new Set(external.map((i) => i.path))].join(', ')}`)
  return result
}

// Left as they are: `require.resolve(name)` inside a try, only to see if it is installed
// (fdir's, for picomatch; its caller tinyglobby brings picomatch itself).
const PROBES = new Set(['picomatch'])

const builtins = new Set(require('node:module').builtinModules)
function isBuiltin(name) {
  return builtins.has(name) || builtins.has(name.split('/')[0])
}

const buildInfo = (buildId, files) => ({
  version: pkg.version,
  commit,
  buildId,
  pjson: {name: pkg.name, version: pkg.version, description: pkg.description, type: pkg.type, oclif: pkg.oclif},
  files,
  natives: nativeAssets,
})

// A worker carries the build id (it finds the cache folder like the main thread), and
// the build id is a hash of every asset, the workers included: hash the workers with a
// stand-in id, then put the real one in.
const STAND_IN = 'crashlog-build-id-stand-in'
const workerInputs = []
const workersWithStandIn = new Map()
for (const worker of WORKERS) {
  const workerOut = join(work, worker.split('/').at(-1))
  workerInputs.push(...Object.keys((await bundle(join(root, worker), workerOut, buildInfo(STAND_IN, []))).metafile.inputs))
  workersWithStandIn.set(worker, readFileSync(workerOut, 'utf8'))
  assets.set(worker, Buffer.from(workersWithStandIn.get(worker)))
}

const names = [...assets.keys()].sort()
const hash = createHash('sha256')
for (const name of names) hash.update(`${name}\0${assets.get(name).length}\0`).update(assets.get(name))
const buildId = hash.digest('hex').slice(0, 12)
for (const [worker, text] of workersWithStandIn) assets.set(worker, Buffer.from(text.replaceAll(JSON.stringify(STAND_IN), JSON.stringify(buildId))))

const mainOut = join(work, 'crashlog.cjs')
const mainBuild = await bundle(MAIN, mainOut, buildInfo(buildId, names))
for (const patch of PATCHES) if (!patchesApplied.has(patch.file)) fail(`${patch.file} is no longer bundled; drop its entry from PATCHES`)

// The bundle drops the packages' license comments; their notices travel next to the
// binary instead (the MIT and similar licenses ask for them in every copy).
function licenses(inputs) {
  const dirs = new Set()
  for (const file of [...inputs, ...Object.keys(natives).map((n) => natives[n])]) {
    const path = relative(root, resolve(root, file)).split(sep)
    const at = path.lastIndexOf('node_modules')
    if (at < 0) continue
    dirs.add(path.slice(0, at + (path[at + 1].startsWith('@') ? 3 : 2)).join('/'))
  }
  const sections = []
  for (const dir of [...dirs].sort()) {
    const meta = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `License: ${meta.license ?? 'see the package'}`
    sections.push(`${meta.name}@${meta.version} (${meta.license ?? 'unknown'})\n\n${text}`)
  }
  return `crashlog ${pkg.version} includes Node.js ${process.version} (MIT; the LICENSE file of Node.js lists the licenses of the code it contains)\nand these packages:\n\n${sections.join(`\n\n${'-'.repeat(78)}\n\n`)}\n`
}
writeFileSync(`${output}.licenses.txt`, licenses([...Object.keys(mainBuild.metafile.inputs), ...workerInputs]))

// --- the SEA blob and the executable ------------------------------------------------------
const seaAssets = {}
for (const name of names) {
  const file = join(work, 'assets', ...name.split('/'))
  mkdirSync(dirname(file), {recursive: true})
  writeFileSync(file, assets.get(name))
  seaAssets[name] = file
}
const blob = join(work, 'crashlog.blob')
const seaConfig = join(work, 'sea-config.json')
writeFileSync(
  seaConfig,
  `${JSON.stringify({main: mainOut, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, useSnapshot: false, assets: seaAssets}, null, 2)}\n`,
)
const prepared = spawnSync(process.execPath, ['--experimental-sea-config', seaConfig], {cwd: work, encoding: 'utf8'})
if (prepared.status !== 0) fail(`node --experimental-sea-config failed:\n${prepared.stdout}${prepared.stderr}`)

rmSync(output, {force: true})
let stripped = false
if (strip) {
  // Node's own debug symbols are about 13 MB of the binary and only serve a native debugger.
  const res = spawnSync('strip', ['-o', output, process.execPath], {stdio: ['ignore', 'ignore', 'pipe']})
  stripped = res.status === 0
  if (!stripped) log(`strip unavailable (${res.error?.message ?? res.stderr.toString().trim()}); keeping the symbols`)
}
if (!stripped) copyFileSync(process.execPath, output)
chmodSync(output, 0o755)
const postject = join(dirname(require.resolve('postject/package.json')), 'dist/cli.js')
const injected = spawnSync(process.execPath, [postject, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {encoding: 'utf8'})
if (injected.status !== 0) fail(`postject failed:\n${injected.stdout}${injected.stderr}`)

// --- a first run, so a broken binary never leaves this script --------------------------------
const version = spawnSync(output, ['--version'], {encoding: 'utf8', env: {...process.env, PATH: '/usr/bin:/bin'}})
// Nothing on stderr either: a require() the bundle left behind would warn there.
if (version.status !== 0 || !version.stdout.includes(`commit ${commit}`) || version.stderr !== '') {
  fail(`the built binary does not run: exit ${version.status}\n${version.stdout}${version.stderr}`)
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const assetBytes = names.reduce((sum, n) => sum + assets.get(n).length, 0)
log(`node ${process.version}${stripped ? ' (stripped)' : ''}, commit ${commit}, build ${buildId}`)
log(`script ${mib(statSync(mainOut).size)}, ${names.length} assets ${mib(assetBytes)}`)
log(`${relative(root, output)}: ${mib(statSync(output).size)} (${statSync(output).size} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
log(version.stdout.trim())

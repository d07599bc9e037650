// The single-file binary (`npm run build:binary` → dist/crashlog-<platform>-<arch>), as a
// sysadmin runs it: copied alone into an empty folder, started with a PATH that has no
// node and an environment with nothing of this checkout in it.
//
// Skipped with a loud notice when the binary has not been built, unless
// CRASHLOG_REQUIRE_BINARY=1 (set by .ci/run after it builds the binary).

import {spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'
import {client} from '../support/http.js'

const DIST = fileURLToPath(new URL('../../', import.meta.url))
const BINARY = join(DIST, `crashlog-${process.platform}-${process.arch}`)
const PACKAGE = JSON.parse(readFileSync(join(DIST, '../package.json'), 'utf8')) as {version: string}
const PASSWORD = 'correct horse battery'

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

describe('the single-file binary, alone in an empty folder without Node', function () {
  // Each step starts the binary; a loaded CI machine can take seconds per start.
  this.timeout(60_000)
  let folder: string
  let env: Record<string, string>
  let binary: string

  before(function () {
    if (!existsSync(BINARY)) {
      if (process.env.CRASHLOG_REQUIRE_BINARY === '1') throw new Error(`CRASHLOG_REQUIRE_BINARY=1 but ${BINARY} does not exist: run \`npm run build:binary\``)
      const bar = '!'.repeat(78)
      process.stderr.write(
        `\n${bar}\n!!  NO BINARY: THE SINGLE-FILE BINARY TESTS ARE SKIPPED.\n!!  ${BINARY} does not exist.\n` +
          `!!  Run \`npm run build:binary\` first (.ci/run does, and sets CRASHLOG_REQUIRE_BINARY=1\n!!  to make a missing binary a failure).\n${bar}\n\n`,
      )
      this.skip()
    }
    folder = mkdtempSync(join(tmpdir(), 'crashlog-binary-'))
    binary = join(folder, 'crashlog')
    copyFileSync(BINARY, binary)
    const bin = join(folder, 'empty-bin')
    mkdirSync(bin)
    // Nothing inherited: no node, no NODE_PATH/NODE_OPTIONS, no CRASHLOG_* of the test run.
    env = {PATH: bin, HOME: join(folder, 'home'), NO_COLOR: '1', CRASHLOG_BCRYPT_COST: '4', TZ: 'UTC'}
    expect(readdirSync(folder).sort()).to.deep.equal(['crashlog', 'empty-bin'])
  })

  after(() => {
    if (folder) rmSync(folder, {recursive: true, force: true})
  })

  function run(args: string[], input = ''): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, {cwd: folder, env, stdio: ['pipe', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({code, stdout, stderr})
      })
      child.stdin.end(input)
    })
  }

  async function ok(args: string[], input = ''): Promise<Result> {
    const res = await run(args, input)
    expect(res.code, `crashlog ${args.join(' ')}:\n${res.stderr}${res.stdout}`).to.equal(0)
    // Nothing on stderr: no SEA warning about require(), no oclif warning.
    expect(res.stderr, `crashlog ${args.join(' ')}`).to.equal('')
    return res
  }

  it('has no node on its PATH', () => {
    for (const dir of env.PATH.split(delimiter)) expect(existsSync(join(dir, 'node')), dir).to.equal(false)
  })

  it('prints its version and commit', async () => {
    const {stdout} = await ok(['--version'])
    expect(stdout).to.match(new RegExp(`^crashlog/${PACKAGE.version.replace(/\./g, '\\.')} linux-x64 node-v\\d+\\.\\d+\\.\\d+ commit ([0-9a-f]{7,40}(-dirty)?|unknown)\\n$`))
  })

  it('has the help a sysadmin reads', async () => {
    const root = await ok(['--help'])
    for (const word of ['serve', 'user', 'project', 'key', 'errors', 'issues', 'healthcheck']) expect(root.stdout).to.include(word)
    const serve = await ok(['serve', '--help'])
    expect(serve.stdout).to.include('--port').and.include('CRASHLOG_DB').and.include('SIGTERM')
  })

  describe('on its embedded database', () => {
    let server: ChildProcess
    let output = ''
    let exited: Promise<number | null>
    let url: string
    let apiKey: string

    after(() => {
      if (server && server.exitCode === null) server.kill('SIGKILL')
    })

    it('creates the first admin and a project, printing its key', async () => {
      const user = await ok(['user', 'create', '--admin', '--email', 'root@example.com', '--name', 'Root', '--password-stdin'], `${PASSWORD}\n`)
      expect(user.stdout).to.include('root@example.com')
      const project = await ok(['project', 'create', '--name', 'Shop', '--owner', 'root@example.com', '--slug', 'shop'])
      apiKey = /clk_[0-9a-f]{64}/.exec(project.stdout)?.[0] ?? ''
      expect(apiKey, project.stdout).to.not.equal('')
      // The default database, created in the folder it runs in.
      expect(existsSync(join(folder, 'crashlog-data/crashlog.db'))).to.equal(true)
    })

    it('serves on a free port, ready and with the dashboard', async () => {
      // No key cache: the CLI's rotation below shows at once.
      server = spawn(binary, ['serve', '--port', '0', '--key-cache', '0'], {cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe']})
      exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)))
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000)
        const onData = (d: Buffer) => {
          output += d.toString()
          // The lines after "listening on" come in the same breath; wait for the database's.
          const m = /listening on (http:\/\/\S+)\n[\s\S]*database: /.exec(output)
          if (m) {
            clearTimeout(timer)
            resolve(m[1])
          }
        }
        server.stdout!.on('data', onData)
        server.stderr!.on('data', onData)
        void exited.then((code) => reject(new Error(`serve exited (${code}):\n${output}`)))
      })
      expect(output).to.include('database: sqlite:./crashlog-data/crashlog.db')
      const api = client(url)
      expect((await api.get('/readyz')).status).to.equal(200)
      expect((await api.get('/healthz')).status).to.equal(200)
      const page = await api.get('/')
      expect(page.status).to.equal(200)
      expect(page.headers.get('content-type')).to.match(/^text\/html/)
      const assets = [...page.text.matchAll(/(?:src|href)="(\/app\/assets\/[^"]+)"/g)].map((m) => m[1])
      expect(assets, page.text).to.not.be.empty
      for (const asset of assets) expect((await api.get(asset)).status, asset).to.equal(200)
      await ok(['healthcheck', '--url', url, '--ready'])
    })

    it('ingests an error with the printed key (its checkpoint worker running) and reads it back through the API and the CLI', async () => {
      const db = join(folder, 'crashlog-data/crashlog.db')
      const before = statSync(db, {bigint: true}).mtimeNs
      const api = client(url)
      const posted = await api.post('/log-error', {message: 'Cannot read properties of undefined', type: 'TypeError', tags: {page: 'cart'}}, {apiKey})
      expect(posted.status, posted.text).to.equal(202)

      const login = await api.post('/login', {email: 'root@example.com', password: PASSWORD})
      expect(login.status).to.equal(200)
      const token = login.body.token as string
      const projects = await api.get('/projects', {token})
      const id = projects.body.projects.find((p: {slug: string}) => p.slug === 'shop').id
      const errors = await api.get(`/projects/${id}/errors`, {token})
      expect(errors.status).to.equal(200)
      expect(errors.body.errors.map((e: {message: string}) => e.message)).to.deep.equal(['Cannot read properties of undefined'])

      const listed = await ok(['errors', 'list', 'shop'])
      expect(listed.stdout).to.include('Cannot read properties of undefined')
      const json = JSON.parse((await ok(['errors', 'list', 'shop', '--json'])).stdout)
      expect(json.errors[0]).to.include({id: posted.body.id, type: 'TypeError'})

      // Commits only append to the WAL; the database file itself changes when the
      // checkpoint worker (a worker thread started from a file in the cache folder)
      // copies them in, about once a second. Without it nothing would for 1000 pages.
      const deadline = Date.now() + 8000
      while (statSync(db, {bigint: true}).mtimeNs === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      expect(statSync(db, {bigint: true}).mtimeNs, 'the SQLite checkpoint worker did not run inside the binary').to.not.equal(before)
    })

    it('rotates the key from the CLI: the old one is refused, the new one accepted', async () => {
      const rotated = await ok(['key', 'rotate', 'shop'])
      const newKey = /clk_[0-9a-f]{64}/.exec(rotated.stdout)?.[0] ?? ''
      expect(newKey, rotated.stdout).to.not.equal('').and.not.equal(apiKey)
      const api = client(url)
      expect((await api.post('/log-error', {message: 'old key'}, {apiKey})).status).to.equal(401)
      expect((await api.post('/log-error', {message: 'new key'}, {apiKey: newKey})).status).to.equal(202)
    })

    it('stops on SIGTERM with exit code 0', async () => {
      server.kill('SIGTERM')
      const code = await exited
      expect(code, output).to.equal(0)
      expect(output).to.include('stopped')
    })

    it('kept its native modules, workers and dashboard in a per-build cache folder of its own', () => {
      const base = join(env.HOME, '.cache/crashlog')
      const builds = readdirSync(base)
      expect(builds).to.have.length(1)
      expect(builds[0]).to.match(new RegExp(`^${PACKAGE.version.replace(/\./g, '\\.')}-[0-9a-f]{12}$`))
      const cache = join(base, builds[0])
      for (const file of ['native/better_sqlite3.node', 'native/bcrypt.node', 'dist/src/store/sqlite/checkpoint-worker.js', 'dist/src/store/sqlite/event-writer-worker.js', 'dist/ui/index.html']) {
        expect(existsSync(join(cache, file)), file).to.equal(true)
      }
      expect(statSync(cache).mode & 0o077).to.equal(0)
    })
  })

  it('runs as a uid with no passwd entry and no usable home (docker run --user), caching under TMPDIR', async function () {
    const uid = 54321
    const known = readFileSync('/etc/passwd', 'utf8').split('\n').some((line) => line.split(':')[2] === String(uid))
    // Only root can start a process as another uid.
    if (process.getuid?.() !== 0 || known) this.skip()
    chmodSync(folder, 0o755)
    const data = join(folder, 'as-uid')
    const tmp = join(folder, 'tmp')
    mkdirSync(data)
    chownSync(data, uid, uid)
    mkdirSync(tmp)
    chmodSync(tmp, 0o1777)
    const res = await new Promise<Result>((resolve, reject) => {
      const child = spawn(binary, ['user', 'list', '--db', `sqlite:${data}/crashlog.db`], {
        cwd: data,
        uid,
        gid: uid,
        env: {PATH: env.PATH, HOME: '/nonexistent', TMPDIR: tmp, NO_COLOR: '1'},
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      child.on('error', reject)
      child.on('close', (code) => resolve({code, stdout, stderr}))
    })
    expect(res.code, res.stderr).to.equal(0)
    expect(res.stdout).to.include('no users yet')
    const cache = join(tmp, `crashlog-${uid}`)
    const [build] = readdirSync(cache)
    expect(existsSync(join(cache, build, 'native/better_sqlite3.node'))).to.equal(true)
    expect(statSync(cache).uid).to.equal(uid)
  })

  it('refuses a cache folder other users can write to, and says what to do', async () => {
    const shared = join(folder, 'shared-cache')
    mkdirSync(shared, {mode: 0o777})
    chmodSync(shared, 0o777)
    const res = await new Promise<Result>((resolve, reject) => {
      const child = spawn(binary, ['user', 'list'], {cwd: folder, env: {...env, CRASHLOG_CACHE_DIR: shared}, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      child.on('error', reject)
      child.on('close', (code) => resolve({code, stdout, stderr}))
    })
    expect(res.code).to.not.equal(0)
    expect(res.stderr).to.include('CRASHLOG_CACHE_DIR').and.include('writable by other users')
  })
})

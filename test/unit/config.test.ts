import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DEFAULT_DB, loadConfig} from '../../src/config.js'
import {ConfigError} from '../../src/errors.js'

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({env: {}})
    expect(config).to.deep.include({db: DEFAULT_DB, host: '127.0.0.1', port: 8080, jwtExpiresIn: 43200, bcryptCost: 12, signup: 'open'})
    expect(config.limits).to.deep.equal({bodyBytes: 262144, envelopeBytes: 1048576, messageBytes: 8192, stackBytes: 65536, maxTags: 50, tagKeyLength: 64, tagValueLength: 256})
    expect(Object.isFrozen(config) && Object.isFrozen(config.limits)).to.equal(true)
  })

  it('takes flag over env over config file over default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crashlog-config-'))
    const file = join(dir, 'crashlog.json')
    writeFileSync(file, JSON.stringify({port: 7000, host: '0.0.0.0', signup: 'closed', limits: {maxTags: 10}}))
    const config = loadConfig({flags: {config: file, port: '9000'}, env: {CRASHLOG_PORT: '8000', CRASHLOG_HOST: '::1'}})
    expect(config.port).to.equal(9000)
    expect(config.host).to.equal('::1')
    expect(config.signup).to.equal('closed')
    expect(config.limits.maxTags).to.equal(10)
  })

  it('parses durations', () => {
    expect(loadConfig({env: {CRASHLOG_JWT_EXPIRES_IN: '30m'}}).jwtExpiresIn).to.equal(1800)
    expect(loadConfig({flags: {'jwt-expires-in': '7d'}, env: {}}).jwtExpiresIn).to.equal(604800)
  })

  it('names the source of a bad value', () => {
    expect(() => loadConfig({flags: {port: 'eighty'}, env: {}})).to.throw(ConfigError, '--port: must be a whole number')
    expect(() => loadConfig({env: {CRASHLOG_SIGNUP: 'maybe'}})).to.throw(ConfigError, 'CRASHLOG_SIGNUP: must be one of open, closed')
    expect(() => loadConfig({env: {CRASHLOG_BCRYPT_COST: '3'}})).to.throw(ConfigError, 'at least 4')
    expect(() => loadConfig({flags: {'jwt-expires-in': 'soon'}, env: {}})).to.throw(ConfigError, '--jwt-expires-in')
  })

  it('refuses a JWT secret shorter than 32 bytes', () => {
    expect(() => loadConfig({flags: {'jwt-secret': 'short'}, env: {}})).to.throw(ConfigError, 'at least 32 bytes')
    expect(loadConfig({env: {CRASHLOG_JWT_SECRET: 'x'.repeat(32)}}).jwtSecret).to.have.length(32)
  })

  it('refuses unknown keys and broken JSON in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crashlog-config-'))
    const unknown = join(dir, 'a.json')
    writeFileSync(unknown, JSON.stringify({prot: 1}))
    expect(() => loadConfig({flags: {config: unknown}, env: {}})).to.throw(ConfigError, 'unknown setting "prot"')
    const broken = join(dir, 'b.json')
    writeFileSync(broken, '{')
    expect(() => loadConfig({flags: {config: broken}, env: {}})).to.throw(ConfigError, 'not valid JSON')
    expect(() => loadConfig({flags: {config: join(dir, 'missing.json')}, env: {}})).to.throw(ConfigError, 'ENOENT')
  })
})

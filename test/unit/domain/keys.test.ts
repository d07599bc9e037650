import {expect} from 'chai'
import {generateApiKey, hashApiKey} from '../../../src/domain/keys.js'
import {KeyCache} from '../../../src/domain/ingest/key-cache.js'
import {slugify} from '../../../src/domain/projects.js'
import type {Project} from '../../../src/store/types.js'

describe('API keys', () => {
  it('are clk_ + 32 random bytes, stored as a SHA-256 hash with a short display prefix', () => {
    const a = generateApiKey()
    const b = generateApiKey()
    expect(a.key).to.match(/^clk_[0-9a-f]{64}$/)
    expect(a.key).to.not.equal(b.key)
    expect(a.keyHash).to.equal(hashApiKey(a.key)).and.match(/^[0-9a-f]{64}$/)
    expect(a.keyPrefix).to.equal(a.key.slice(0, 10))
  })
})

describe('KeyCache', () => {
  const project = {id: 1} as Project
  it('returns an entry until it expires, and forgets evicted keys at once', () => {
    const cache = new KeyCache(5000)
    cache.set('h', project, 1000)
    expect(cache.get('h', 5999)).to.equal(project)
    expect(cache.get('h', 6000)).to.equal(undefined)
    cache.set('h', project, 1000)
    cache.evict('h')
    expect(cache.get('h', 1001)).to.equal(undefined)
  })
  it('caches nothing with a zero ttl and stays bounded', () => {
    const off = new KeyCache(0)
    off.set('h', project)
    expect(off.get('h')).to.equal(undefined)
    const small = new KeyCache(5000, 2)
    small.set('a', project, 0)
    small.set('b', project, 0)
    small.set('c', project, 0)
    expect(small.get('a', 1)).to.equal(undefined)
    expect(small.get('c', 1)).to.equal(project)
  })
})

describe('slugify', () => {
  it('makes url-safe slugs that never look like ids', () => {
    expect(slugify('Web Shop!')).to.equal('web-shop')
    expect(slugify('Crème Brûlée')).to.equal('creme-brulee')
    expect(slugify('2024')).to.equal('p-2024')
    expect(slugify('***')).to.equal('project')
  })
})

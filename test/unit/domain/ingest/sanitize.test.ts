import {expect} from 'chai'
import {safeKey, sanitizeObject, stripControl, stripControlOneLine} from '../../../../src/domain/ingest/sanitize.js'

describe('sanitize', () => {
  it('strips control characters but keeps newlines and tabs in multi-line text', () => {
    expect(stripControl('a\u0000b\u001bc\u007fd\u0085e\n\tf')).to.equal('abcde\n\tf')
    expect(stripControlOneLine('a\nb\tc')).to.equal('a b c')
  })

  it('turns $ and . in keys into _ and defuses prototype keys', () => {
    expect(safeKey('$where')).to.equal('_where')
    expect(safeKey('a.b.c')).to.equal('a_b_c')
    expect(safeKey('__proto__')).to.equal('___proto__')
  })

  it('copies deeply with safe keys and bounded depth', () => {
    const deep: Record<string, unknown> = {}
    let node = deep
    for (let i = 0; i < 20; i++) node = (node.next = {}) as Record<string, unknown>
    const out = sanitizeObject({$set: {'x.y': ['\u0000ok']}, deep}) as any
    expect(out.$set).to.equal(undefined)
    expect(out._set).to.deep.equal({x_y: ['ok']})
    expect(JSON.stringify(out)).to.include('[Truncated]')
    const polluted = sanitizeObject(JSON.parse('{"__proto__": {"admin": true}}'))
    expect(({} as any).admin).to.equal(undefined)
    expect(polluted).to.deep.equal({___proto__: {admin: true}})
  })
})

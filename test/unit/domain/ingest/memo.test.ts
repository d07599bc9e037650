import {expect} from 'chai'
import {Memo} from '../../../../src/domain/ingest/memo.js'

describe('Memo', () => {
  it('computes a key once, keeps at most `size` entries (oldest out first) and never keeps long keys', () => {
    const calls: string[] = []
    const memo = new Memo<number>(2, 5)
    const len = (k: string): number => {
      calls.push(k)
      return k.length
    }
    expect(memo.get('a', len)).to.equal(1)
    expect(memo.get('a', len)).to.equal(1)
    expect(memo.get('bb', len)).to.equal(2)
    expect(memo.get('ccc', len)).to.equal(3)
    expect(memo.entries).to.equal(2)
    expect(memo.get('a', len)).to.equal(1)
    expect(memo.get('toolong', len)).to.equal(7)
    expect(memo.get('toolong', len)).to.equal(7)
    expect(calls).to.deep.equal(['a', 'bb', 'ccc', 'a', 'toolong', 'toolong'])
  })
})

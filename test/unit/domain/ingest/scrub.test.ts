import {expect} from 'chai'
import {FILTERED, maskCardNumbers, Scrubber} from '../../../../src/domain/ingest/scrub.js'

describe('Scrubber', () => {
  const scrubber = new Scrubber()

  it('filters values under sensitive keys at any depth, keeping harmless look-alikes', () => {
    const out = scrubber.scrubObject({
      password: 'hunter2', 'X-Api-Key': 'clk_abc', Authorization: 'Bearer x', sessionId: 's', auth: 'a',
      author: 'Ada', headers: {cookie: 'c=1', accept: 'json'}, list: [{refresh_token: 't'}], card_number: '1234',
    })
    expect(out).to.deep.equal({
      password: FILTERED, 'X-Api-Key': FILTERED, Authorization: FILTERED, sessionId: FILTERED, auth: FILTERED,
      author: 'Ada', headers: {cookie: FILTERED, accept: 'json'}, list: [{refresh_token: FILTERED}], card_number: FILTERED,
    })
  })

  it('masks card numbers that pass the Luhn check wherever they appear', () => {
    expect(maskCardNumbers('paid with 4111 1111 1111 1111 today')).to.equal(`paid with ${FILTERED} today`)
    expect(maskCardNumbers('card 5500-0000-0000-0004')).to.equal(`card ${FILTERED}`)
    expect(maskCardNumbers('order 1234567890123')).to.equal('order 1234567890123')
    expect(scrubber.scrubObject({note: {text: 'x 4111111111111111'}})).to.deep.equal({note: {text: `x ${FILTERED}`}})
  })

  it('filters sensitive query parameters in URLs', () => {
    expect(scrubber.scrubUrl('https://x.example/cb?code=1&access_token=abc&page=2#top')).to.equal(
      'https://x.example/cb?code=1&access_token=%5BFiltered%5D&page=2#top',
    )
  })

  it('takes a configured key list', () => {
    const custom = new Scrubber(['ssn'])
    expect(custom.scrubObject({ssn: '1', password: 'p'})).to.deep.equal({ssn: FILTERED, password: 'p'})
  })
})

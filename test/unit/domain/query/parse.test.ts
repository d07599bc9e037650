import {expect} from 'chai'
import {ValidationError} from '../../../../src/errors.js'
import {MAX_QUERY_LENGTH, eventFilter, issueFilter, parseQuery, parseTime, tokenize} from '../../../../src/domain/query/parse.js'

/** The error a call throws, which must be a 400 naming `parameter`. */
function rejects(call: () => unknown, parameter: string, message: RegExp): void {
  let thrown: unknown
  try {
    call()
  } catch (error) {
    thrown = error
  }
  expect(thrown, 'expected a ValidationError').to.be.instanceOf(ValidationError)
  const error = thrown as ValidationError
  expect(error.status).to.equal(400)
  expect(error.details?.[0].path).to.equal(parameter)
  expect(error.message).to.match(message)
}

describe('search language: tokenize', () => {
  it('splits on whitespace and keeps quoted phrases and key:"quoted values" whole', () => {
    expect(tokenize('  type:TypeError   checkout:"step 2"\t"cannot read" foo  ')).to.deep.equal([
      {key: 'type', value: 'TypeError'},
      {key: 'checkout', value: 'step 2'},
      {value: 'cannot read'},
      {value: 'foo'},
    ])
  })

  it('takes a key only when a value follows the colon', () => {
    expect(tokenize('checkout: http://x:1/a')).to.deep.equal([{value: 'checkout:'}, {key: 'http', value: '//x:1/a'}])
    expect(tokenize('empty:""')).to.deep.equal([{key: 'empty', value: ''}])
  })

  it('refuses an unclosed quote and an overlong value, naming q', () => {
    rejects(() => tokenize('checkout:"step 2'), 'q', /unclosed quote/)
    rejects(() => tokenize('x'.repeat(257)), 'q', /longer than 256/)
  })
})

describe('search language: parseQuery', () => {
  it('sorts tokens into fields, tags, free text and statuses', () => {
    const parsed = parseQuery('type:TypeError TYPE:RangeError level:fatal env:prod release:1.2 browser:Firefox os:Linux url:/cart user:u-42 issue:abc is:resolved team:"web shop" cannot read')
    expect(parsed).to.deep.equal({
      fields: {
        type: ['TypeError', 'RangeError'],
        level: ['fatal'],
        environment: ['prod'],
        release: ['1.2'],
        browser: ['Firefox'],
        os: ['Linux'],
        url: ['/cart'],
        user: ['u-42'],
        issue: ['abc'],
      },
      tags: [{key: 'team', value: 'web shop'}],
      text: ['cannot', 'read'],
      status: ['resolved'],
    })
  })

  it('is empty for an absent or blank query', () => {
    const empty = {fields: {}, tags: [], text: [], status: []}
    expect(parseQuery(undefined)).to.deep.equal(empty)
    expect(parseQuery('')).to.deep.equal(empty)
    expect(parseQuery('   ')).to.deep.equal(empty)
  })

  it('produces plain strings only: operator-looking input stays text', () => {
    const parsed = parseQuery('type:{"$ne":null} $where:1 {"$gt":""}')
    // A key starts with a letter, digit or underscore: `$where:1` is a word, not a tag.
    expect(parsed).to.deep.equal({fields: {type: ['{"$ne":null}']}, tags: [], text: ['$where:1', '{"$gt":""}'], status: []})
  })

  it('looks tags up by the key ingestion stores (dots and $ made safe), whatever the name', () => {
    expect(parseQuery('os.name:Linux constructor:x toString:y __proto__:z').tags).to.deep.equal([
      {key: 'os_name', value: 'Linux'},
      {key: '_constructor', value: 'x'},
      {key: 'toString', value: 'y'},
      {key: '___proto__', value: 'z'},
    ])
  })

  it('refuses bad levels and statuses, and queries too long or with too many terms', () => {
    rejects(() => parseQuery('level:critical'), 'q', /level: must be one of fatal, error, warning, info, debug/)
    rejects(() => parseQuery('is:open'), 'q', /is: must be one of unresolved, resolved, ignored/)
    rejects(() => parseQuery('a'.repeat(MAX_QUERY_LENGTH + 1)), 'q', /longer than 1000/)
    rejects(() => parseQuery(Array.from({length: 31}, (_, i) => `w${i}`).join(' ')), 'q', /more than 30 terms/)
  })
})

describe('search language: filters', () => {
  const from = new Date('2026-01-01T00:00:00Z')
  const to = new Date('2026-01-02T00:00:00Z')

  it('an event filter carries every field, tag, word and the time range', () => {
    const filter = eventFilter(7, parseQuery('type:TypeError level:error env:prod url:cart user:u1 issue:ab checkout:"step 2" boom'), {from, to})
    expect(filter).to.deep.equal({
      projectId: 7,
      type: ['TypeError'],
      level: ['error'],
      environment: ['prod'],
      url: ['cart'],
      user: ['u1'],
      issueId: ['ab'],
      tags: [{key: 'checkout', value: 'step 2'}],
      text: ['boom'],
      from,
      to,
    })
  })

  it('is: belongs to issues; tags and other fields belong to errors', () => {
    rejects(() => eventFilter(1, parseQuery('is:resolved')), 'q', /is: filters issues/)
    rejects(() => issueFilter(1, parseQuery('checkout:x')), 'q', /tag checkout: filters errors/)
    rejects(() => issueFilter(1, parseQuery('release:1.0')), 'q', /release: filters errors/)
    expect(issueFilter(1, parseQuery('is:unresolved type:TypeError level:fatal boom'), {from})).to.deep.equal({
      projectId: 1,
      status: ['unresolved'],
      type: ['TypeError'],
      level: ['fatal'],
      text: ['boom'],
      from,
    })
  })
})

describe('search language: parseTime', () => {
  const now = new Date('2026-06-15T12:00:00Z')

  it('reads relative times, epoch milliseconds and ISO 8601', () => {
    expect(parseTime('15m', 'from', now).toISOString()).to.equal('2026-06-15T11:45:00.000Z')
    expect(parseTime('24h', 'from', now).toISOString()).to.equal('2026-06-14T12:00:00.000Z')
    expect(parseTime('7d', 'from', now).toISOString()).to.equal('2026-06-08T12:00:00.000Z')
    expect(parseTime('2w', 'from', now).toISOString()).to.equal('2026-06-01T12:00:00.000Z')
    expect(parseTime('1767225600000', 'to', now).toISOString()).to.equal('2026-01-01T00:00:00.000Z')
    expect(parseTime('2026-01-01', 'to', now).toISOString()).to.equal('2026-01-01T00:00:00.000Z')
    expect(parseTime(' 2026-01-01T10:00:00+02:00 ', 'to', now).toISOString()).to.equal('2026-01-01T08:00:00.000Z')
  })

  it('refuses anything else, naming the parameter', () => {
    for (const bad of ['yesterday', '15 m', '-5m', '2026-13-45', '2026-01-01T25:99', '9999999999999999', '1e12', '']) {
      rejects(() => parseTime(bad, 'since', now), 'since', /must be an ISO 8601 time, epoch milliseconds, or relative/)
    }
  })
})

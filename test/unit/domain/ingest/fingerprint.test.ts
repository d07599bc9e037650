import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {computeFingerprint, framesKey, issueIdFor, normaliseMessage} from '../../../../src/domain/ingest/fingerprint.js'
import {parseStack} from '../../../../src/domain/ingest/stack.js'

const v8 = (line: number) => `TypeError: Cannot read properties of undefined (reading 'id')
    at renderCart (https://shop.example.com/static/app.js?v=3:${line}:17)
    at Array.map (<anonymous>)
    at checkout (https://shop.example.com/static/app.js?v=3:${line + 40}:5)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)
    at Object.run (/srv/app/node_modules/lib/index.js:1:1)`

describe('parseStack', () => {
  it('reads V8 frames, marking runtime and dependency frames as not in-app', () => {
    const frames = parseStack(v8(10))
    expect(frames).to.have.length(5)
    expect(frames[0]).to.deep.equal({function: 'renderCart', file: 'https://shop.example.com/static/app.js?v=3', line: 10, column: 17, inApp: true})
    expect(frames[1].inApp).to.equal(false)
    expect(frames[3]).to.include({file: 'node:internal/process/task_queues', inApp: false})
    expect(frames[4].inApp).to.equal(false)
  })

  it('reads Firefox / Safari frames', () => {
    const frames = parseStack('renderCart@https://shop.example.com/app.js:10:17\n@https://shop.example.com/app.js:50:1')
    expect(frames[0]).to.deep.equal({function: 'renderCart', file: 'https://shop.example.com/app.js', line: 10, column: 17, inApp: true})
    expect(frames[1]).to.deep.equal({file: 'https://shop.example.com/app.js', line: 50, column: 1, inApp: true})
  })

  it('skips lines that are not frames', () => {
    expect(parseStack('just some text\nand more')).to.deep.equal([])
  })
})

describe('fingerprint', () => {
  it('normalises what varies between occurrences', () => {
    expect(normaliseMessage('User 42 not found in "eu-west" at 0x1f3a (id 3f2a9c1e-1b2c-4d5e-8f90-123456789abc, hash deadbeef42)')).to.equal(
      'User <n> not found in <q> at <hex> (id <uuid>, hash <hex>)',
    )
  })

  it('groups the same error at other line numbers together', () => {
    const a = computeFingerprint({type: 'TypeError', message: 'order 17 failed', frames: parseStack(v8(10))})
    const b = computeFingerprint({type: 'TypeError', message: 'order 99 failed', frames: parseStack(v8(12))})
    expect(a).to.equal(b)
  })

  it('separates a different top frame, type or message', () => {
    const base = {type: 'TypeError', message: 'failed', frames: parseStack(v8(10))}
    const other = parseStack(v8(10).replace('renderCart', 'renderList'))
    expect(computeFingerprint(base)).to.not.equal(computeFingerprint({...base, frames: other}))
    expect(computeFingerprint(base)).to.not.equal(computeFingerprint({...base, type: 'RangeError'}))
    expect(computeFingerprint(base)).to.not.equal(computeFingerprint({...base, message: 'exploded'}))
  })

  it('lets the client’s fingerprint decide', () => {
    const a = computeFingerprint({type: 'A', message: 'x', frames: [], fingerprint: 'mine'})
    const b = computeFingerprint({type: 'B', message: 'y', frames: parseStack(v8(1)), fingerprint: 'mine'})
    expect(a).to.equal(b).and.match(/^[0-9a-f]{32}$/)
  })

  it('derives one issue id per project and fingerprint', () => {
    expect(issueIdFor(1, 'f')).to.equal(issueIdFor(1, 'f'))
    expect(issueIdFor(1, 'f')).to.not.equal(issueIdFor(2, 'f'))
  })
})

describe('computeFingerprint, given its parts', () => {
  it('gives what it computes itself, and keeps the hashed text of earlier versions (stored fingerprints stay valid)', () => {
    const frames = parseStack(v8(10))
    const input = {type: 'TypeError', message: "Cannot read properties of undefined (reading 'id') at 42", frames}
    const fp = computeFingerprint(input)
    expect(computeFingerprint(input, {framesKey: framesKey(frames), normalisedMessage: normaliseMessage(input.message)})).to.equal(fp)
    // sha256('auto' NUL type NUL message NUL frame keys joined by NUL), as every version so far.
    const text = ['auto', input.type, normaliseMessage(input.message), 'https://shop.example.com/static/app.js|renderCart', 'https://shop.example.com/static/app.js|checkout'].join('\0')
    expect(fp).to.equal(createHash('sha256').update(text).digest('hex').slice(0, 32))
    expect(computeFingerprint({type: 'E', message: 'm', frames: []})).to.equal(createHash('sha256').update('auto\0E\0m').digest('hex').slice(0, 32))
  })
})

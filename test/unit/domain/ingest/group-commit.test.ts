import {expect} from 'chai'
import {GroupCommitter} from '../../../../src/domain/ingest/group-commit.js'

describe('GroupCommitter', () => {
  it('writes what arrives in one turn of the event loop as one batch, answering after the write', async () => {
    const writes: number[][] = []
    let release!: () => void
    const committer = new GroupCommitter<number>(async (items) => {
      writes.push(items)
      await new Promise<void>((r) => (release = r))
    }, {maxBatch: 100, maxConcurrentWrites: 1})
    let answered = 0
    const all = [1, 2, 3].map((n) => committer.submit([n]).then(() => answered++))
    await new Promise((r) => setImmediate(r))
    expect(writes).to.deep.equal([[1, 2, 3]])
    expect(answered).to.equal(0)
    release()
    await Promise.all(all)
    expect(answered).to.equal(3)
  })

  it('starts a write when the batch is full and queues the rest behind it', async () => {
    const writes: number[][] = []
    const committer = new GroupCommitter<number>(async (items) => {
      writes.push(items)
    }, {maxBatch: 2, maxConcurrentWrites: 1})
    await Promise.all([committer.submit([1]), committer.submit([2]), committer.submit([3])])
    expect(writes).to.deep.equal([[1, 2], [3]])
  })

  it('rejects every caller of a failed write, and later writes still run', async () => {
    let fail = true
    const committer = new GroupCommitter<number>(async () => {
      if (fail) throw new Error('down')
    })
    const results = await Promise.allSettled([committer.submit([1]), committer.submit([2])])
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected'])
    fail = false
    await committer.submit([3])
  })

  it('flushes on close and then refuses new work', async () => {
    const written: number[] = []
    const committer = new GroupCommitter<number>(async (items) => {
      await new Promise((r) => setTimeout(r, 10))
      written.push(...items)
    })
    const pending = committer.submit([1, 2])
    await committer.close()
    await pending
    expect(written).to.deep.equal([1, 2])
    let refused = false
    await committer.submit([3]).catch(() => (refused = true))
    expect(refused).to.equal(true)
  })
})

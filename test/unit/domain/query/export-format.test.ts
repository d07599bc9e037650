import {expect} from 'chai'
import {CSV_COLUMNS, csvCell, formatExport, type ExportFormat} from '../../../../src/domain/query/export-format.js'
import type {EventJson} from '../../../../src/store/query-types.js'

function event(i: number, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: i.toString(16).padStart(32, '0'),
    timestamp: new Date(1_767_225_600_000 + i).toISOString(),
    receivedAt: new Date(1_767_225_600_000 + i).toISOString(),
    level: 'error',
    type: 'TypeError',
    message,
    issueId: 'ab'.repeat(16),
    tags: {},
    ...extra,
  }
}

async function* pages(events: Record<string, unknown>[], size: number): AsyncGenerator<EventJson[]> {
  for (let i = 0; i < events.length; i += size) {
    yield events.slice(i, i + size).map((e) => ({timestamp: new Date(e.timestamp as string), id: e.id as string, json: JSON.stringify(e)}))
  }
}

/** Every chunk, kept until the end: a chunk whose memory were reused later would show up garbled. */
async function exportAll(events: Record<string, unknown>[], format: ExportFormat, pageSize = 100): Promise<{chunks: Buffer[]; text: string}> {
  const chunks: Buffer[] = []
  for await (const chunk of formatExport(pages(events, pageSize), format)) chunks.push(chunk)
  return {chunks, text: Buffer.concat(chunks).toString('utf8')}
}

describe('export formats', () => {
  // Multi-byte text (2-, 3- and 4-byte UTF-8), and rows far larger than a chunk.
  const events = Array.from({length: 3000}, (_, i) =>
    event(i, i % 500 === 7 ? `huge ${'€'.repeat(40_000)}` : `row ${i}: héllo 世界 🚀 ${'x'.repeat(i % 900)}`),
  )

  it('NDJSON is each stored JSON text on its own line, in order, in chunks of about 64 KiB', async () => {
    const {chunks, text} = await exportAll(events, 'ndjson')
    expect(text).to.equal(events.map((e) => JSON.stringify(e) + '\n').join(''))
    // Few, large writes: chunks average well over 40 KiB, and only a chunk holding
    // one of the huge rows goes beyond 64 KiB (it gets a buffer of its own size).
    const bytes = Buffer.byteLength(text)
    expect(chunks.length).to.be.greaterThan(20).and.lessThan(bytes / (40 * 1024))
    for (const chunk of chunks) {
      if (chunk.length > 64 * 1024) expect(chunk.toString('utf8')).to.include('huge ')
    }
  })

  it('JSON is one array of the events, also when empty', async () => {
    expect(JSON.parse((await exportAll(events, 'json', 7)).text)).to.deep.equal(events)
    expect((await exportAll([], 'json')).text).to.equal('[]\n')
    expect((await exportAll([], 'ndjson')).chunks).to.deep.equal([])
  })

  it('CSV has a header row and quotes commas, quotes and newlines', async () => {
    const tricky = [
      event(1, 'plain'),
      event(2, 'a, b "quoted"\nnext line', {tags: {checkout: 'step 2'}, user: {id: 'u1'}, stack: 'Error\r\n    at f (a.js:1:2)'}),
      event(3, '=HYPERLINK("http://evil")', {browser: {name: 'Firefox', version: '120'}}),
    ]
    const {text} = await exportAll(tricky, 'csv')
    const lines = text.split('\r\n')
    expect(lines[0]).to.equal(CSV_COLUMNS.join(','))
    expect(text).to.include('"a, b ""quoted""\nnext line"')
    expect(text).to.include('"{""checkout"":""step 2""}"')
    expect(text).to.include(`"'=HYPERLINK(""http://evil"")"`)
    expect(text).to.include(',Firefox 120,')
    expect(text.endsWith('\r\n')).to.equal(true)
    expect(csvCell('-1+1')).to.equal("'-1+1")
    expect(csvCell('plain text')).to.equal('plain text')
  })
})

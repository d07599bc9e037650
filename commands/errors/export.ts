import {Args, Flags} from '@oclif/core'
import {createWriteStream, type WriteStream} from 'node:fs'
import {once} from 'node:events'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {CrashlogCommand} from '../../src/cli/base-command.js'
import {ValidationError} from '../../src/errors.js'
import {SYSTEM_ACTOR} from '../../src/domain/projects.js'
import {EXPORT_FORMATS, formatExport, type ExportFormat} from '../../src/domain/query/export-format.js'
import type {EventJson} from '../../src/store/query-types.js'

export default class ErrorsExport extends CrashlogCommand {
  static override summary = 'Export a project’s errors as CSV, NDJSON or JSON'
  static override examples = [
    '<%= config.bin %> errors export shop --format csv --output errors.csv',
    '<%= config.bin %> errors export shop --format ndjson --q level:fatal --since 7d | gzip > fatal.ndjson.gz',
  ]
  static override args = {project: Args.string({description: 'project id or slug', required: true})}
  static override flags = {
    format: Flags.string({description: 'file format', options: EXPORT_FORMATS, required: true}),
    q: Flags.string({description: 'only errors matching this search'}),
    since: Flags.string({description: 'from this time: ISO 8601, epoch ms, or relative (15m, 24h, 7d)'}),
    until: Flags.string({description: 'up to this time (same forms)'}),
    output: Flags.string({char: 'o', description: 'write to this file instead of standard output'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ErrorsExport)
    const {services} = await this.open(flags)
    const project = await services.projects.resolve(SYSTEM_ACTOR, args.project)
    const filter = await services.query.eventFilterFor(SYSTEM_ACTOR, project.id, {q: flags.q, from: flags.since, to: flags.until})
    const out = flags.output ? await openOutput(flags.output) : process.stdout
    const showProgress = Boolean(flags.output && process.stderr.isTTY)
    const started = Date.now()
    let rows = 0
    let lastDraw = 0
    const counted = async function* (pages: AsyncIterable<EventJson[]>) {
      for await (const page of pages) {
        rows += page.length
        if (showProgress && Date.now() - lastDraw > 200) {
          lastDraw = Date.now()
          const rate = Math.round(rows / Math.max(0.001, (lastDraw - started) / 1000))
          process.stderr.write(`\rexporting… ${rows.toLocaleString('en')} rows (${rate.toLocaleString('en')} rows/s)`)
        }
        yield page
      }
    }
    // pipeline: backpressure, and a write error (disk full, closed pipe) ends the
    // export with that error instead of an unhandled 'error' event. stdout stays open.
    const chunks = Readable.from(formatExport(counted(services.query.exportErrors(filter)), flags.format as ExportFormat))
    await pipeline(chunks, out, {end: Boolean(flags.output)})
    const seconds = (Date.now() - started) / 1000
    if (showProgress) process.stderr.write('\n')
    // To stderr: stdout may be the export itself.
    process.stderr.write(`${rows.toLocaleString('en')} rows in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001)).toLocaleString('en')} rows/s)${flags.output ? ` → ${flags.output}` : ''}\n`)
  }
}

/** The output file, opened before the export starts: a bad path is a clear error naming --output. */
async function openOutput(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path)
  try {
    await once(stream, 'open')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new ValidationError(`invalid --output: cannot write ${path} (${reason})`, [{path: 'output', message: `cannot write ${path} (${reason})`}])
  }
  return stream
}

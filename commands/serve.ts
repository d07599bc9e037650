import {RetentionJob} from '../src/domain/retention.js'
import {startServer} from '../src/http/server.js'
import {CrashlogCommand, settingFlags} from '../src/cli/base-command.js'
import {DEFAULT_DB, SETTINGS} from '../src/config.js'

export default class Serve extends CrashlogCommand {
  static override summary = 'Run the crashlog server: dashboard, API and ingestion'
  static override description = `Starts the HTTP server on the configured database (default: embedded SQLite under ./crashlog-data).
The dashboard is at http://<host>:<port>/ (default http://127.0.0.1:8080/); GET /healthz and /readyz are for load balancers and monitors.
Every setting can also come from its CRASHLOG_* variable or a JSON --config file; a flag wins over a variable, a variable over the file.
Stops gracefully on SIGINT / SIGTERM: in-flight requests finish, then the database is closed.`
  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 9000 --host 0.0.0.0 --signup closed',
    '<%= config.bin %> serve --db mongodb://db1,db2,db3/crashlog?replicaSet=rs0',
  ]
  static override flags = settingFlags(...SETTINGS.map((s) => s.flag).filter((f) => f !== 'db'))

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const {config, store, services} = await this.open(flags)
    const running = await startServer({config, store, services})
    this.log(`crashlog listening on ${running.url}`)
    this.log(`database: ${store.displayUrl}`)
    this.log(`signup: ${config.signup}`)
    if ((await services.users.count()) === 0) {
      this.log('No user exists yet. Create the first admin with:')
      this.log(`  ${this.config.bin} user create --admin --email you@example.com --name "Your Name"${config.db === DEFAULT_DB ? '' : ` --db '${store.displayUrl}'`}`)
    }
    const retention = new RetentionJob(store, config.retentionDays, (line) => this.log(line))
    retention.start()
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    this.log(`${signal}: shutting down`)
    // Order matters: stop accepting and let in-flight requests finish (each is answered
    // only after its events are written), write anything still queued, then close.
    await running.close()
    await services.ingest.close()
    await retention.stop()
    await this.closeStore()
    this.log('stopped')
  }
}

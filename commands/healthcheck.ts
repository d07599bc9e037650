import {Command, Flags} from '@oclif/core'

export default class Healthcheck extends Command {
  static override summary = 'Check that a running server answers (for Docker HEALTHCHECK, systemd and monitors)'
  static override description = `Asks a crashlog server for GET /healthz (the process runs) or, with --ready, GET /readyz (its database answers too).
Exits 0 and prints "ok" on a 200; exits 1 with the reason on anything else, so it needs no curl or wget in the image.
The default address is 127.0.0.1 on the port from CRASHLOG_PORT (else 8080), which is right for a server started in the same container or host.`
  static override examples = [
    '<%= config.bin %> healthcheck',
    '<%= config.bin %> healthcheck --ready --url http://10.0.0.5:8080',
  ]
  static override flags = {
    url: Flags.string({description: 'base URL of the server [default: http://127.0.0.1:$CRASHLOG_PORT, else :8080]'}),
    ready: Flags.boolean({description: 'check /readyz (database reachable) instead of /healthz', default: false}),
    timeout: Flags.integer({description: 'seconds to wait for the answer', default: 5, min: 1}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Healthcheck)
    const base = flags.url ?? `http://127.0.0.1:${process.env.CRASHLOG_PORT || '8080'}`
    const url = new URL(flags.ready ? '/readyz' : '/healthz', base)
    let status: number
    try {
      const res = await fetch(url, {signal: AbortSignal.timeout(flags.timeout * 1000), redirect: 'manual'})
      status = res.status
      await res.body?.cancel()
    } catch (err) {
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)
      this.error(`${url.href}: no answer (${reason})`, {exit: 1})
    }
    if (status !== 200) this.error(`${url.href}: HTTP ${status}`, {exit: 1})
    this.log(`ok: ${url.href} answered 200`)
  }
}

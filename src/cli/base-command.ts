import {Command, Flags, Interfaces} from '@oclif/core'
import {loadConfig, SETTINGS, type Config} from '../config.js'
import {createServices, type Services} from '../domain/services.js'
import {AppError} from '../errors.js'
import {openStore} from '../store/open.js'
import {StoreUnavailableError, type Store} from '../store/types.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof CrashlogCommand)['baseFlags'] & T['flags']>

/** A flag for each setting named, described from the one settings table. */
export function settingFlags(...names: string[]) {
  const flags: Record<string, Interfaces.OptionFlag<string | undefined>> = {}
  for (const name of names) {
    const setting = SETTINGS.find((s) => s.flag === name)
    if (!setting) throw new Error(`no setting for flag --${name}`)
    flags[name] = Flags.string({description: `${setting.help} [${defaultText(setting)}env: ${setting.env}]`, helpGroup: 'SETTINGS'})
  }
  return flags
}

/** "default: 8080, " for --help (not oclif's own default, which would hide the variable and the file). */
function defaultText(setting: (typeof SETTINGS)[number]): string {
  const value = setting.default
  if (value === undefined || Array.isArray(value)) return ''
  if (setting.kind === 'duration' && typeof value === 'number') {
    const unit = ([[86400, 'd'], [3600, 'h'], [60, 'm']] as const).find(([seconds]) => value > 0 && value % seconds === 0)
    return `default: ${unit ? `${value / unit[0]}${unit[1]}` : `${value}s`}, `
  }
  return `default: ${String(value)}, `
}

/**
 * Every data command: --db / --config / --debug, one clear error line and a
 * non-zero exit instead of a stack trace, and the store closed on the way out.
 */
export abstract class CrashlogCommand extends Command {
  static override baseFlags = {
    ...settingFlags('db'),
    config: Flags.string({description: 'JSON config file [env: CRASHLOG_CONFIG]', helpGroup: 'SETTINGS'}),
    debug: Flags.boolean({description: 'print stack traces of errors', default: false, helpGroup: 'GLOBAL'}),
  }

  private store?: Store
  private debugMode = false

  /** Flags named like settings, as given (undefined when absent), for loadConfig. */
  protected loadConfig(flags: Record<string, unknown>): Config {
    this.debugMode = flags.debug === true
    return loadConfig({flags})
  }

  protected async open(flags: Record<string, unknown>): Promise<{config: Config; store: Store; services: Services}> {
    const config = this.loadConfig(flags)
    const store = await openStore(config.db)
    this.store = store
    const services = await createServices(config, store)
    return {config, store, services}
  }

  override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // oclif's own errors (bad flags, exit()) keep oclif's handling.
    if (err.oclif) return super.catch(err)
    if (this.debugMode || process.argv.includes('--debug')) process.stderr.write(`${err.stack ?? err.message}\n`)
    // Typed errors already read as one sentence that names the field or value.
    const known = err instanceof AppError || err instanceof StoreUnavailableError
    process.stderr.write(`crashlog: ${known ? err.message : `unexpected error: ${err.message}`}\n`)
    const code = err instanceof AppError ? err.exitCode : err instanceof StoreUnavailableError ? 3 : 1
    this.exit(code)
  }

  override async finally(err: Error | undefined): Promise<void> {
    await this.closeStore()
    return super.finally(err)
  }

  protected async closeStore(): Promise<void> {
    const store = this.store
    this.store = undefined
    await store?.close().catch(() => undefined)
  }
}

// The single-file binary's entry (scripts/build-binary.mjs bundles it with everything
// it imports into one CommonJS script for Node's single executable applications).

import {dirname} from 'node:path'
import {asksForVersion, versionLine} from '../cli/version.js'
import {seaBuild} from './sea-runtime.js'

const build = seaBuild()
const args = process.argv.slice(2)

if (asksForVersion(args)) {
  process.stdout.write(`${versionLine(build.pjson, build.commit)}\n`)
} else {
  // Imported only now: the bundler keeps dynamically imported modules uninitialised
  // until here, so --version does not pay for oclif, the drivers and every command.
  Promise.all([import('../cli/main.js'), import('../cli/commands.js')])
    .then(([{runCli}, {COMMANDS}]) => runCli({root: dirname(process.execPath), commit: build.commit, args, bundle: {pjson: build.pjson, commands: COMMANDS}}))
    .catch((err: unknown) => {
      // Only what fails before oclif takes over (its own errors are handled inside).
      process.stderr.write(`crashlog: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exitCode = 1
    })
}

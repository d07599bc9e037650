import {readdirSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'
import {COMMANDS} from '../../../src/cli/commands.js'

// This file runs from dist/test/unit/cli; the sources are at the repository root.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

function commandFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return commandFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

describe('the command index (src/cli/commands.ts, oclif "explicit" discovery)', () => {
  const sources = commandFiles(join(ROOT, 'commands')).map((file) => relative(join(ROOT, 'commands'), file).replace(/\.ts$/, ''))

  it('lists every file under commands/ by its oclif id, and nothing else', () => {
    const ids = sources.map((path) => path.split(sep).join(':')).sort()
    expect(Object.keys(COMMANDS).sort(), 'add the new command to src/cli/commands.ts (the binary has no folder to scan)').to.deep.equal(ids)
  })

  it('maps each id to the class its file exports', async () => {
    for (const path of sources) {
      const module = (await import(new URL(`../../../commands/${path.split(sep).join('/')}.js`, import.meta.url).href)) as {default: unknown}
      expect(COMMANDS[path.split(sep).join(':')], path).to.equal(module.default)
    }
  })
})

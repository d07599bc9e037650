// `crashlog --version`, answered before anything else loads: it names the build, so it
// must work even where the rest cannot (and costs a start-up of Node, no more).

import {platform, arch} from 'node:process'

/** oclif's user-agent form (`crashlog/0.1.0 linux-x64 node-v20.20.2`) plus the commit. */
export function versionLine(pjson: {name: string; version: string}, commit: string): string {
  return `${pjson.name}/${pjson.version} ${platform}-${arch} node-${process.version} commit ${commit}`
}

/** oclif's rule for --version: the first argument only. */
export function asksForVersion(args: readonly string[]): boolean {
  return args[0] === '--version'
}

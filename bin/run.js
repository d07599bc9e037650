#!/usr/bin/env node
// Runs the compiled CLI (dist/). Build first with `npm run build`.
import {runCli} from '../dist/src/cli/main.js'

await runCli({root: import.meta.url})

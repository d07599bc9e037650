#!/usr/bin/env node
// Runs the compiled CLI (dist/). Build first with `npm run build`.
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})

#!/usr/bin/env node
// Builds the dashboard (src/ui) into dist/ui: one JS and one CSS bundle and the icon,
// each named by a hash of its content (served with a one-year immutable cache), and an
// index.html that references them (served with no-cache). Part of `npm run build`.
//
//   node scripts/build-ui.mjs [--dev]    --dev: no minification (readable while debugging)

import {createHash} from 'node:crypto'
import {copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {basename, dirname, extname, join, relative, resolve} from 'node:path'
import process from 'node:process'
import {fileURLToPath} from 'node:url'
import * as esbuild from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src/ui')
const out = join(root, 'dist/ui')
const assets = join(out, 'assets')
const dev = process.argv.includes('--dev')

rmSync(out, {recursive: true, force: true})
mkdirSync(assets, {recursive: true})

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: {app: join(src, 'main.tsx')},
  bundle: true,
  format: 'esm',
  splitting: false,
  platform: 'browser',
  // What Debian's Chromium, current Firefox and Safari 16+ run natively.
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !dev,
  sourcemap: 'linked',
  legalComments: 'eof',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  outdir: assets,
  metafile: true,
  logLevel: 'warning',
  define: {'process.env.NODE_ENV': dev ? '"development"' : '"production"'},
})

const outputs = Object.keys(result.metafile.outputs).map((file) => relative(assets, resolve(root, file)))
const script = outputs.find((f) => f.endsWith('.js'))
const style = outputs.find((f) => f.endsWith('.css'))
if (!script || !style) throw new Error(`build-ui: expected a .js and a .css bundle, got ${outputs.join(', ')}`)

function copyHashed(file) {
  const body = readFileSync(file)
  const ext = extname(file)
  const name = `${basename(file, ext)}-${createHash('sha256').update(body).digest('hex').slice(0, 10)}${ext}`
  copyFileSync(file, join(assets, name))
  return name
}
const icon = copyHashed(join(src, 'favicon.svg'))

const prefix = '/app/assets/'
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>crashlog</title>
<link rel="icon" type="image/svg+xml" href="${prefix}${icon}">
<link rel="stylesheet" href="${prefix}${style}">
<script type="module" src="${prefix}${script}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading crashlog…</p></div>
<noscript><p class="boot">The crashlog dashboard needs JavaScript. The JSON API works without it.</p></noscript>
</body>
</html>
`
writeFileSync(join(out, 'index.html'), html)

const size = (name) => `${(readFileSync(join(assets, name)).length / 1024).toFixed(1)} KiB`
process.stdout.write(`build-ui: dist/ui/index.html, ${script} (${size(script)}), ${style} (${size(style)}), ${icon}\n`)

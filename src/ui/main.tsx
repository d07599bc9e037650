// The crashlog dashboard: bundled by scripts/build-ui.mjs into dist/ui and served by
// `crashlog serve` (src/http/routes/ui.ts) at / and /app/….
import {render} from 'preact'
import {App} from './app.js'
import './styles.css'

const root = document.getElementById('app')
if (root) {
  root.textContent = ''
  render(<App />, root)
}

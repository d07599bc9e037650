// Ready-to-paste code that sends errors to this crashlog server with a project's key.

export interface Snippet {
  id: string
  label: string
  language: string
  code: string
}

export const KEY_PLACEHOLDER = 'YOUR_API_KEY'

/** The DSN of a project whose key is not at hand, with the placeholder in the key's place. */
export function dsnWithPlaceholder(dsnTemplate: string | undefined): string | undefined {
  return dsnTemplate?.replace('API_KEY', KEY_PLACEHOLDER)
}

export function snippets(origin: string, apiKey = KEY_PLACEHOLDER, dsn?: string): Snippet[] {
  const endpoint = `${origin}/log-error`
  const list: Snippet[] = [
    {
      id: 'curl',
      label: 'curl',
      language: 'shell',
      code: `curl -i -X POST '${endpoint}' \\
  -H 'Content-Type: application/json' \\
  -H 'X-API-KEY: ${apiKey}' \\
  -d '{"message": "Something broke", "type": "Error", "level": "error", "tags": {"source": "curl"}}'`,
    },
    {
      id: 'browser',
      label: 'Browser',
      language: 'html',
      code: `<script>
  // crashlog: report uncaught errors and unhandled promise rejections of this page.
  (function () {
    var endpoint = '${endpoint}';
    var apiKey = '${apiKey}';
    function report(error, fallback) {
      var body = {
        message: String((error && error.message) || fallback || error).slice(0, 8000),
        type: (error && error.name) || 'Error',
        stack: error && error.stack ? String(error.stack).slice(0, 60000) : undefined,
        url: location.href,
        platform: 'javascript'
      };
      fetch(endpoint, {
        method: 'POST',
        keepalive: true,
        headers: {'Content-Type': 'application/json', 'X-API-KEY': apiKey},
        body: JSON.stringify(body)
      }).catch(function () {});
    }
    window.addEventListener('error', function (event) {
      report(event.error, event.message);
    });
    window.addEventListener('unhandledrejection', function (event) {
      report(event.reason, 'Unhandled promise rejection');
    });
  })();
</script>`,
    },
    {
      id: 'node',
      label: 'Node.js',
      language: 'javascript',
      code: `// crashlog: report crashes of this Node.js process (Node 18+, global fetch).
const CRASHLOG_URL = '${endpoint}'
const CRASHLOG_KEY = process.env.CRASHLOG_KEY ?? '${apiKey}'

async function reportToCrashlog(error) {
  const err = error instanceof Error ? error : new Error(String(error))
  try {
    await fetch(CRASHLOG_URL, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-API-KEY': CRASHLOG_KEY},
      body: JSON.stringify({
        message: (err.message || err.name).slice(0, 8000),
        type: err.name,
        stack: err.stack?.slice(0, 60000),
        platform: 'node',
        environment: process.env.NODE_ENV,
        os: {name: process.platform},
      }),
      signal: AbortSignal.timeout(5000),
    })
  } catch {
    // Reporting must never crash the process a second time.
  }
}

process.on('uncaughtException', async (error) => {
  console.error(error)
  await reportToCrashlog(error)
  process.exit(1)
})

process.on('unhandledRejection', (reason) => {
  void reportToCrashlog(reason)
})`,
    },
  ]
  if (dsn) {
    list.push({
      id: 'sentry',
      label: 'Sentry SDK',
      language: 'javascript',
      code: `// crashlog speaks the Sentry protocol: any official Sentry SDK works with this DSN.
// Browser: npm install @sentry/browser   Node.js: npm install @sentry/node (same init)
import * as Sentry from '@sentry/browser'

Sentry.init({
  dsn: '${dsn}',
  environment: 'production',
  release: 'my-app@1.0.0',
})`,
    })
  }
  return list
}

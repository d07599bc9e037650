import type {ComponentChildren} from 'preact'
import {useState} from 'preact/hooks'
import {errorJsonUrl, type ErrorEvent, type Frame} from '../api.js'
import {absoluteTime, frameLocation, shortId} from '../format.js'
import {Link} from '../router.js'
import {term} from '../search.js'
import {LevelBadge, Time} from './basics.js'
import {CopyButton} from './copy.js'

function frameText(f: Frame): string {
  const loc = frameLocation(f)
  return `    at ${f.function || '<anonymous>'}${loc ? ` (${loc})` : ''}`
}

export function StackTrace({event}: {event: ErrorEvent}) {
  const frames = event.frames ?? []
  const inAppCount = frames.filter((f) => f.inApp).length
  const [onlyInApp, setOnlyInApp] = useState(inAppCount > 0 && frames.length > 30)
  const [raw, setRaw] = useState(frames.length === 0)
  if (frames.length === 0 && !event.stack) return <p class="muted">No stack trace was sent with this error.</p>
  const rawText = event.stack ?? [`${event.type}: ${event.message}`, ...frames.map(frameText)].join('\n')
  const shown = onlyInApp ? frames.filter((f) => f.inApp) : frames
  return (
    <div class="stack">
      <div class="stack-tools">
        {frames.length > 0 && (
          <>
            <span class="muted">
              {frames.length} frames{inAppCount > 0 ? `, ${inAppCount} in your code` : ''} · most recent call first
            </span>
            <span class="spacer" />
            {inAppCount > 0 && !raw && (
              <button type="button" class="btn btn-small" aria-pressed={onlyInApp} onClick={() => setOnlyInApp(!onlyInApp)}>
                {onlyInApp ? 'Show all frames' : 'Only in-app frames'}
              </button>
            )}
            <button type="button" class="btn btn-small" aria-pressed={raw} onClick={() => setRaw(!raw)}>
              {raw ? 'Frames' : 'Raw'}
            </button>
          </>
        )}
        <CopyButton text={rawText} what="stack trace" />
      </div>
      {raw ? (
        <pre class="stack-raw" tabIndex={0} aria-label="Raw stack trace">
          {rawText}
        </pre>
      ) : (
        <ol class="frames" aria-label="Stack frames">
          {shown.map((f, i) => (
            <li key={i} class={f.inApp ? 'frame in-app' : 'frame'} data-in-app={f.inApp ? 'true' : 'false'}>
              <span class="frame-fn">{f.function || '<anonymous>'}</span>
              <span class="frame-loc">{frameLocation(f) || 'unknown location'}</span>
              {f.inApp && <span class="badge badge-app">in app</span>}
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value, null, 2)
}

function KeyValues({data}: {data: Record<string, unknown>}) {
  const entries = Object.entries(data).filter(([, v]) => v !== undefined && v !== null && v !== '')
  if (entries.length === 0) return <span class="muted">—</span>
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div key={k} class="kv-row">
          <dt>{k}</dt>
          <dd>{typeof v === 'object' ? <pre class="json">{valueText(v)}</pre> : valueText(v)}</dd>
        </div>
      ))}
    </dl>
  )
}

function nameVersion(nv?: {name?: string; version?: string}): string {
  if (!nv) return ''
  return [nv.name, nv.version].filter(Boolean).join(' ')
}

function Section({title, children, actions}: {title: string; children: ComponentChildren; actions?: ComponentChildren}) {
  return (
    <section class="card section">
      <div class="section-head">
        <h3>{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  )
}

/** One event in full. Every value is rendered as text: nothing a client sent becomes markup. */
export function EventDetail({event, projectId, heading}: {event: ErrorEvent; projectId: number; heading: string}) {
  const tags = Object.entries(event.tags ?? {})
  const searchHref = (q: string) => `/app/projects/${projectId}?status=events&q=${encodeURIComponent(q)}`
  const context: Array<[string, ComponentChildren]> = []
  const add = (label: string, value: ComponentChildren) => {
    if (value !== undefined && value !== null && value !== '') context.push([label, value])
  }
  add('Environment', event.environment)
  add('Release', event.release)
  add('URL', event.url)
  add('Browser', nameVersion(event.browser))
  add('OS', nameVersion(event.os))
  add('Platform', event.platform)
  add('Occurred', absoluteTime(event.timestamp))
  add('Received', absoluteTime(event.receivedAt))
  add('Fingerprint', event.fingerprint)
  add('Event ID', event.id)
  const objects: Array<[string, Record<string, unknown> | undefined]> = [
    ['User', event.user],
    ['Client', event.client],
    ['SDK', event.sdk],
    ['More context', event.contexts],
  ]
  return (
    <div class="event" data-event-id={event.id}>
      <div class="event-head">
        <h2>{heading}</h2>
        <span class="muted">
          <Time iso={event.timestamp} /> · <code>{shortId(event.id)}</code>
        </span>
        <LevelBadge level={event.level} />
        <span class="spacer" />
        <a class="btn btn-small" href={errorJsonUrl(projectId, event.id)} target="_blank" rel="noopener">
          JSON
        </a>
      </div>

      <Section title="Message">
        <p class="event-type">{event.type}</p>
        <pre class="message" data-testid="event-message">
          {event.message}
        </pre>
      </Section>

      <Section title="Stack trace">
        <StackTrace event={event} />
      </Section>

      <Section title="Tags">
        {tags.length === 0 ? (
          <p class="muted">No tags.</p>
        ) : (
          <ul class="tags">
            {tags.map(([k, v]) => (
              <li key={k}>
                <Link class="tag" href={searchHref(term(k, v))} title={`Find events with ${k} = ${v}`}>
                  <span class="tag-key">{k}</span>
                  <span class="tag-value">{v}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title="Context">
        <dl class="context">
          {context.map(([label, value]) => (
            <div key={label} class="context-row">
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        {objects.map(([label, data]) =>
          data && Object.keys(data).length > 0 ? (
            <div key={label} class="context-object">
              <h4>{label}</h4>
              <KeyValues data={data} />
            </div>
          ) : null,
        )}
      </Section>
    </div>
  )
}

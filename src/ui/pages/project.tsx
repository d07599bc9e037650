import {useEffect, useState} from 'preact/hooks'
import {api, describeError, exportUrl, type Bucket, type ErrorEvent, type Issue, type IssueSort, type IssueStatus, type Project} from '../api.js'
import {EmptyState, ErrorNote, LevelBadge, Spinner, Time} from '../components/basics.js'
import {BarChart, Sparkline} from '../components/chart.js'
import {Breadcrumbs} from '../components/layout.js'
import {SnippetTabs} from '../components/snippet-tabs.js'
import {absoluteTime, plural, shortId} from '../format.js'
import {useAsync, useInterval, useTitle} from '../hooks.js'
import {hrefWith, Link, navigate, useLocation} from '../router.js'
import {eventOnlyTerms, takeStatus} from '../search.js'
import {dsnWithPlaceholder} from '../snippets.js'
import {isNotFound, NotFoundState, RANGES, rangeOf, useProject} from './common.js'

type Tab = IssueStatus | 'events'
const TABS: Array<{id: Tab; label: string}> = [
  {id: 'unresolved', label: 'Unresolved'},
  {id: 'resolved', label: 'Resolved'},
  {id: 'ignored', label: 'Ignored'},
  {id: 'events', label: 'All events'},
]
const SORTS: Array<{id: IssueSort; label: string}> = [
  {id: 'lastSeen', label: 'Last seen'},
  {id: 'firstSeen', label: 'First seen'},
  {id: 'count', label: 'Most events'},
]
const PAGE_SIZE = 25

export function ProjectPage({id}: {id: number}) {
  const project = useProject(id)
  useTitle(project.data?.name ?? 'Project')
  if (project.error !== undefined) {
    return <div class="page">{isNotFound(project.error) ? <NotFoundState what="project" /> : <ErrorNote onRetry={project.reload}>{describeError(project.error)}</ErrorNote>}</div>
  }
  if (!project.data) return <div class="page"><Spinner /></div>
  return <ProjectView project={project.data} />
}

function ProjectView({project}: {project: Project}) {
  const loc = useLocation()
  const tabParam = loc.search.get('status')
  const tab: Tab = TABS.some((t) => t.id === tabParam) ? (tabParam as Tab) : 'unresolved'
  const q = loc.search.get('q') ?? ''
  const range = rangeOf(loc.search.get('range'))
  const sortParam = loc.search.get('sort')
  const sort: IssueSort = SORTS.some((s) => s.id === sortParam) ? (sortParam as IssueSort) : 'lastSeen'
  const eventOnly = eventOnlyTerms(q)
  // Tags, browser:, release: … describe single events: the issues list cannot apply them.
  const showEvents = tab === 'events' || eventOnly.length > 0
  const [refreshed, setRefreshed] = useState(0)

  // Does the project have any error at all? If not, the page is an onboarding page.
  const anything = useAsync(() => api.errors(project.id, {limit: 1}), [project.id, refreshed])
  const empty = anything.data !== undefined && anything.data.errors.length === 0
  // While waiting for the first error, look again every few seconds.
  useInterval(() => anything.reload(), 3000, empty)

  const stats = useAsync(() => api.stats(project.id, {q: takeStatus(q).q, from: range.id, interval: range.interval}), [project.id, q, range.id, refreshed, empty])

  const [draft, setDraft] = useState(q)
  useEffect(() => setDraft(q), [q])

  const search = (e: Event) => {
    e.preventDefault()
    const {status, q: rest} = takeStatus(draft.trim())
    navigate(hrefWith(loc, {q: rest, status: status ?? (tab === 'events' ? 'events' : tab === 'unresolved' ? null : tab)}))
  }

  return (
    <div class="page">
      <Breadcrumbs items={[{label: 'Projects', href: '/app/projects'}, {label: project.name}]} />
      <div class="page-head">
        <div class="min0">
          <h1>{project.name}</h1>
          <p class="muted">
            <code>{project.slug}</code>
            {project.description ? ` · ${project.description}` : ''}
          </p>
        </div>
        <div class="head-actions">
          <button type="button" class="btn" onClick={() => setRefreshed((n) => n + 1)}>
            Refresh
          </button>
          <Link class="btn" href={`/app/projects/${project.id}/settings`}>
            Settings
          </Link>
        </div>
      </div>

      {anything.error !== undefined && <ErrorNote onRetry={anything.reload}>{describeError(anything.error)}</ErrorNote>}
      {empty && <NoErrorsYet project={project} />}

      {anything.data && !empty && (
        <>
          <form class="filters" role="search" aria-label="Filter errors" onSubmit={search}>
            <div class="field field-grow">
              <label for="q">Search</label>
              <input
                id="q"
                type="search"
                class="mono"
                value={draft}
                onInput={(e) => setDraft(e.currentTarget.value)}
                placeholder='type:TypeError level:error checkout:"step 2" cannot read'
                aria-describedby="q-help"
                autoComplete="off"
                spellcheck={false}
              />
            </div>
            <div class="field">
              <label for="range">Time range</label>
              <select id="range" value={range.id} onChange={(e) => navigate(hrefWith(loc, {range: e.currentTarget.value === '7d' ? null : e.currentTarget.value}))}>
                {RANGES.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.label}
                  </option>
                ))}
              </select>
            </div>
            {!showEvents && (
              <div class="field">
                <label for="sort">Sort by</label>
                <select id="sort" value={sort} onChange={(e) => navigate(hrefWith(loc, {sort: e.currentTarget.value === 'lastSeen' ? null : e.currentTarget.value}))}>
                  {SORTS.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.label}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <div class="field field-button">
              <button type="submit" class="btn btn-primary">
                Search
              </button>
            </div>
          </form>
          <details class="syntax" id="q-help">
            <summary>Search syntax</summary>
            <p>
              Words match the message or type. <code>type:TypeError</code> <code>level:error</code> <code>environment:production</code>{' '}
              <code>release:1.4.2</code> <code>browser:Chrome</code> <code>os:Linux</code> <code>url:checkout</code> <code>user:alice@example.com</code>; any
              other <code>key:value</code> matches a tag (<code>region:eu</code>, <code>checkout:"step 2"</code>); <code>is:resolved</code> picks a tab. The
              issues list applies type, level and words; the other filters show matching events.
            </p>
          </details>

          <section class="card chart-card" aria-labelledby="chart-title">
            <div class="section-head">
              <h2 id="chart-title">
                Events · {range.label.toLowerCase()}
                {q ? ' · filtered' : ''}
              </h2>
              <span class="muted">{stats.data ? plural(stats.data.total, 'event') : ''}</span>
              <span class="spacer" />
              <ExportLinks projectId={project.id} q={takeStatus(q).q} from={range.id} />
            </div>
            {stats.error !== undefined ? <ErrorNote>{describeError(stats.error)}</ErrorNote> : stats.data ? <BarChart stats={stats.data} caption={`Events, ${range.label}`} /> : <div class="chart-placeholder" />}
          </section>

          <nav class="tabs" aria-label="Issue status">
            {TABS.map((t) => (
              <Link key={t.id} class={t.id === tab ? 'tab active' : 'tab'} aria-current={t.id === tab ? 'page' : undefined} href={hrefWith(loc, {status: t.id === 'unresolved' ? null : t.id})}>
                {t.label}
              </Link>
            ))}
          </nav>

          {showEvents ? (
            <>
              {tab !== 'events' && (
                <p class="note note-info">
                  <code>{eventOnly[0].key}:</code> filters single events, so matching events are shown rather than issues.
                </p>
              )}
              <EventList key={`${q}|${range.id}|${refreshed}`} project={project} q={q} from={range.id} />
            </>
          ) : (
            <IssueList key={`${tab}|${q}|${range.id}|${sort}|${refreshed}`} project={project} status={tab as IssueStatus} q={q} sort={sort} range={range} />
          )}
        </>
      )}
    </div>
  )
}

function ExportLinks({projectId, q, from}: {projectId: number; q: string; from: string}) {
  return (
    <div class="export" role="group" aria-label="Export the events in this view">
      <span class="muted export-label">Export</span>
      <a class="btn btn-small" href={exportUrl(projectId, 'csv', {q, from})} download>
        CSV
      </a>
      <a class="btn btn-small" href={exportUrl(projectId, 'ndjson', {q, from})} download>
        NDJSON
      </a>
    </div>
  )
}

/** Cursor paging: the API gives "next"; going back re-uses the cursors seen so far. */
function usePager() {
  const [stack, setStack] = useState<string[]>([])
  const cursor = stack.length ? stack[stack.length - 1] : null
  return {
    cursor,
    page: stack.length + 1,
    next: (c: string) => setStack([...stack, c]),
    prev: () => setStack(stack.slice(0, -1)),
  }
}

function Pager({page, hasPrev, next, onPrev, onNext}: {page: number; hasPrev: boolean; next: string | null; onPrev: () => void; onNext: () => void}) {
  if (!hasPrev && !next) return null
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn" disabled={!hasPrev} onClick={onPrev}>
        ← Newer
      </button>
      <span class="muted">Page {page}</span>
      <button type="button" class="btn" disabled={!next} onClick={onNext}>
        Older →
      </button>
    </nav>
  )
}

function IssueList({project, status, q, sort, range}: {project: Project; status: IssueStatus; q: string; sort: IssueSort; range: ReturnType<typeof rangeOf>}) {
  const pager = usePager()
  const issues = useAsync(() => api.issues(project.id, {status, q, sort, from: range.id, limit: PAGE_SIZE, cursor: pager.cursor}), [pager.cursor])
  const trends = useTrends(project.id, issues.data?.issues ?? [], range)
  if (issues.error !== undefined) return <ErrorNote onRetry={issues.reload}>{describeError(issues.error)}</ErrorNote>
  if (!issues.data) return <Spinner label="Loading issues…" />
  const list = issues.data.issues
  if (list.length === 0) {
    return (
      <EmptyState title={q ? 'No issues match this search' : status === 'unresolved' ? 'No unresolved issues' : `No ${status} issues`} icon={status === 'unresolved' && !q ? 'check' : 'search'}>
        <p class="muted">
          {q ? 'Try fewer words or a longer time range.' : status === 'unresolved' ? `Nothing new in the ${range.label.toLowerCase()}.` : `Issues you mark ${status} are listed here.`}
        </p>
      </EmptyState>
    )
  }
  return (
    <>
      <div class="list-head" aria-hidden="true">
        <span>Issue</span>
        <span class="col-trend">Trend</span>
        <span class="col-count">Events</span>
      </div>
      <ul class="issues" aria-label={`${status} issues`} aria-busy={issues.loading}>
        {list.map((issue) => (
          <IssueRow key={issue.id} issue={issue} projectId={project.id} trend={trends[issue.id]} interval={range.interval} />
        ))}
      </ul>
      <Pager page={pager.page} hasPrev={pager.page > 1} next={issues.data.nextCursor} onPrev={pager.prev} onNext={() => issues.data?.nextCursor && pager.next(issues.data.nextCursor)} />
    </>
  )
}

function IssueRow({issue, projectId, trend, interval}: {issue: Issue; projectId: number; trend?: Bucket[]; interval: ReturnType<typeof rangeOf>['interval']}) {
  return (
    <li class={`issue-row lvl-${issue.level}`} data-issue-id={issue.id}>
      <div class="issue-main">
        <Link class="issue-title" href={`/app/projects/${projectId}/issues/${issue.id}`}>
          <span class="issue-type">{issue.type}</span>
          <span class="issue-msg">{issue.message}</span>
        </Link>
        <div class="issue-meta">
          <LevelBadge level={issue.level} />
          <span>
            First seen <Time iso={issue.firstSeen} />
          </span>
          <span>
            Last seen <Time iso={issue.lastSeen} />
          </span>
        </div>
      </div>
      <div class="col-trend">{trend ? <Sparkline buckets={trend} interval={interval} /> : <span class="spark spark-empty" aria-hidden="true" />}</div>
      <div class="col-count" aria-label={plural(issue.count, 'event')}>
        <strong class="count">{issue.count.toLocaleString()}</strong>
        <span class="count-unit">{issue.count === 1 ? 'event' : 'events'}</span>
      </div>
    </li>
  )
}

/** One small /stats request per issue (q=issue:<id>), a few at a time. */
function useTrends(projectId: number, issues: Issue[], range: ReturnType<typeof rangeOf>): Record<string, Bucket[]> {
  const [trends, setTrends] = useState<Record<string, Bucket[]>>({})
  const ids = issues.map((i) => i.id).join(',')
  useEffect(() => {
    let cancelled = false
    const queue = [...issues]
    const worker = async () => {
      for (let issue = queue.shift(); issue && !cancelled; issue = queue.shift()) {
        const id = issue.id
        try {
          const stats = await api.stats(projectId, {q: `issue:${id}`, from: range.id, interval: range.interval})
          if (!cancelled) setTrends((t) => ({...t, [id]: stats.buckets}))
        } catch {
          // A missing trend is not worth an error message.
        }
      }
    }
    void Promise.all([worker(), worker(), worker(), worker()])
    return () => {
      cancelled = true
    }
  }, [projectId, ids, range.id])
  return trends
}

function EventList({project, q, from}: {project: Project; q: string; from: string}) {
  const pager = usePager()
  const {q: eventQ} = takeStatus(q)
  const events = useAsync(() => api.errors(project.id, {q: eventQ, from, limit: PAGE_SIZE, cursor: pager.cursor}), [pager.cursor])
  if (events.error !== undefined) return <ErrorNote onRetry={events.reload}>{describeError(events.error)}</ErrorNote>
  if (!events.data) return <Spinner label="Loading events…" />
  const list = events.data.errors
  if (list.length === 0) {
    return (
      <EmptyState title="No events match" icon="search">
        <p class="muted">Try fewer filters or a longer time range.</p>
      </EmptyState>
    )
  }
  return (
    <>
      <ul class="events" aria-label="Events">
        {list.map((event) => (
          <EventRow key={event.id} event={event} projectId={project.id} />
        ))}
      </ul>
      <Pager page={pager.page} hasPrev={pager.page > 1} next={events.data.nextCursor} onPrev={pager.prev} onNext={() => events.data?.nextCursor && pager.next(events.data.nextCursor)} />
    </>
  )
}

/** One event in a list; `compact` (inside an issue, where the message is always the same) leads with the time. */
export function EventRow({event, projectId, selected = false, compact = false}: {event: ErrorEvent; projectId: number; selected?: boolean; compact?: boolean}) {
  const facts = [event.environment, event.release, [event.browser?.name, event.browser?.version].filter(Boolean).join(' '), event.os?.name].filter(Boolean)
  return (
    <li class={`event-row lvl-${event.level}${selected ? ' selected' : ''}`} data-event-id={event.id}>
      <Link class="event-link" href={`/app/projects/${projectId}/issues/${event.issueId}?event=${event.id}`} aria-current={selected ? 'true' : undefined}>
        {compact ? (
          <span class="event-title">
            <span class="event-when">{absoluteTime(event.timestamp)}</span> <code>{shortId(event.id)}</code>
          </span>
        ) : (
          <span class="event-title">
            <span class="issue-type">{event.type}</span>
            <span class="issue-msg">{event.message}</span>
          </span>
        )}
        <span class="issue-meta">
          <LevelBadge level={event.level} />
          {!compact && <Time iso={event.timestamp} />}
          {facts.map((f) => (
            <span key={f} class="fact">
              {f}
            </span>
          ))}
        </span>
      </Link>
    </li>
  )
}

function NoErrorsYet({project}: {project: Project}) {
  return (
    <EmptyState title="No errors yet" icon="inbox">
      <p>
        Send an error with the project's API key and it shows up here. This page checks for new errors every few seconds.
      </p>
      <p class="muted">
        Use the key shown when the project was created (it starts with <code>{project.keyPrefix}</code>). Lost it?{' '}
        <Link href={`/app/projects/${project.id}/settings`}>Rotate the key</Link> to get a new one.
      </p>
      <div class="empty-snippets">
        <SnippetTabs dsn={dsnWithPlaceholder(project.dsnTemplate)} idPrefix="empty-snippet" />
      </div>
      <p class="waiting" role="status">
        <span class="pulse" aria-hidden="true" /> Waiting for the first error…
      </p>
    </EmptyState>
  )
}

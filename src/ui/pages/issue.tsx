import {useEffect, useRef, useState} from 'preact/hooks'
import {api, describeError, exportUrl, type Issue, type IssueStatus, type Project} from '../api.js'
import {ErrorNote, LevelBadge, Spinner, StatusBadge, Time} from '../components/basics.js'
import {BarChart} from '../components/chart.js'
import {EventDetail} from '../components/event-detail.js'
import {Breadcrumbs} from '../components/layout.js'
import {useToast} from '../components/toast.js'
import {plural} from '../format.js'
import {useAsync, useTitle} from '../hooks.js'
import {hrefWith, Link, navigate, useLocation} from '../router.js'
import {isNotFound, NotFoundState, useProject} from './common.js'
import {EventRow} from './project.js'

const EVENTS_PAGE = 20

export function IssuePage({projectId, issueId}: {projectId: number; issueId: string}) {
  const project = useProject(projectId)
  const issue = useAsync(() => api.issue(projectId, issueId), [projectId, issueId])
  useTitle(issue.data ? `${issue.data.type}: ${issue.data.message}`.slice(0, 80) : 'Issue')
  const error = project.error ?? issue.error
  if (error !== undefined) {
    return <div class="page">{isNotFound(error) ? <NotFoundState what={project.error ? 'project' : 'issue'} /> : <ErrorNote onRetry={issue.reload}>{describeError(error)}</ErrorNote>}</div>
  }
  if (!project.data || !issue.data) return <div class="page"><Spinner /></div>
  return <IssueView project={project.data} issue={issue.data} onChange={issue.set} />
}

const ACTIONS: Record<IssueStatus, Array<{to: IssueStatus; label: string; primary?: boolean}>> = {
  unresolved: [
    {to: 'resolved', label: 'Resolve', primary: true},
    {to: 'ignored', label: 'Ignore'},
  ],
  resolved: [
    {to: 'unresolved', label: 'Reopen', primary: true},
    {to: 'ignored', label: 'Ignore'},
  ],
  ignored: [
    {to: 'unresolved', label: 'Reopen', primary: true},
    {to: 'resolved', label: 'Resolve'},
  ],
}

const DONE: Record<IssueStatus, string> = {resolved: 'Issue resolved', ignored: 'Issue ignored', unresolved: 'Issue reopened'}

function IssueView({project, issue, onChange}: {project: Project; issue: Issue; onChange: (issue: Issue) => void}) {
  const loc = useLocation()
  const notify = useToast()
  const [busy, setBusy] = useState(false)
  const [stack, setStack] = useState<string[]>([])
  const cursor = stack.length ? stack[stack.length - 1] : null
  const events = useAsync(() => api.issueErrors(project.id, issue.id, {limit: EVENTS_PAGE, cursor}), [issue.id, cursor])
  const latest = useAsync(() => api.issueErrors(project.id, issue.id, {limit: 1}), [issue.id])
  const chosenId = loc.search.get('event')
  const chosen = useAsync(() => (chosenId ? api.error(project.id, chosenId) : Promise.resolve(null)), [chosenId])
  const stats = useAsync(() => api.stats(project.id, {q: `issue:${issue.id}`, from: '24h', interval: 'hour'}), [issue.id])

  // Picking an event in the list shows it in full; on a phone the list is below, so scroll up to it.
  const detail = useRef<HTMLDivElement>(null)
  const firstRender = useRef(true)
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false
      return
    }
    const top = detail.current?.getBoundingClientRect().top
    if (top !== undefined && (top < 0 || top > window.innerHeight * 0.6)) detail.current?.scrollIntoView({block: 'start'})
  }, [chosenId])

  const shown = chosenId ? chosen.data : latest.data?.errors[0]
  const shownError = chosenId ? chosen.error : latest.error
  const isLatest = !!shown && shown.id === latest.data?.errors[0]?.id

  const setStatus = async (status: IssueStatus) => {
    setBusy(true)
    try {
      onChange(await api.setIssueStatus(project.id, issue.id, status))
      notify(DONE[status])
    } catch (err) {
      notify(describeError(err), 'error')
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="page">
      <Breadcrumbs
        items={[
          {label: 'Projects', href: '/app/projects'},
          {label: project.name, href: `/app/projects/${project.id}`},
          {label: 'Issue'},
        ]}
      />
      <div class="issue-head card">
        <div class="issue-head-main">
          <div class="issue-badges">
            <StatusBadge status={issue.status} />
            <LevelBadge level={issue.level} />
          </div>
          <h1 class="issue-h1">
            <span class="issue-type">{issue.type}</span>
            <span class="issue-msg">{issue.message}</span>
          </h1>
          <dl class="meta meta-inline">
            <div>
              <dt>Events</dt>
              <dd data-testid="issue-count">{issue.count.toLocaleString()}</dd>
            </div>
            <div>
              <dt>First seen</dt>
              <dd>
                <Time iso={issue.firstSeen} />
              </dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd>
                <Time iso={issue.lastSeen} />
              </dd>
            </div>
          </dl>
        </div>
        <div class="issue-actions" role="group" aria-label="Issue status">
          {ACTIONS[issue.status].map((a) => (
            <button key={a.to} type="button" class={a.primary ? 'btn btn-primary' : 'btn'} disabled={busy} onClick={() => setStatus(a.to)}>
              {a.label}
            </button>
          ))}
        </div>
      </div>

      <section class="card chart-card" aria-labelledby="issue-chart-title">
        <div class="section-head">
          <h2 id="issue-chart-title">Events · last 24 hours</h2>
          <span class="muted">{stats.data ? plural(stats.data.total, 'event') : ''}</span>
          <span class="spacer" />
          <div class="export" role="group" aria-label="Export this issue's events">
            <span class="muted export-label">Export</span>
            <a class="btn btn-small" href={exportUrl(project.id, 'csv', {q: `issue:${issue.id}`})} download>
              CSV
            </a>
            <a class="btn btn-small" href={exportUrl(project.id, 'ndjson', {q: `issue:${issue.id}`})} download>
              NDJSON
            </a>
          </div>
        </div>
        {stats.data ? <BarChart stats={stats.data} caption="Events of this issue, last 24 hours" /> : <div class="chart-placeholder chart-placeholder-small" />}
      </section>

      <div class="issue-body">
        <div class="issue-event" ref={detail}>
          {shownError !== undefined ? (
            isNotFound(shownError) ? (
              <ErrorNote>
                This event does not exist. <Link href={hrefWith(loc, {event: null})}>Show the latest event</Link>
              </ErrorNote>
            ) : (
              <ErrorNote>{describeError(shownError)}</ErrorNote>
            )
          ) : shown ? (
            <EventDetail event={shown} projectId={project.id} heading={isLatest ? 'Latest event' : 'Event'} />
          ) : (
            <Spinner label="Loading the latest event…" />
          )}
        </div>
        <aside class="issue-events card" aria-labelledby="events-title">
          <div class="section-head">
            <h2 id="events-title">Events</h2>
            <span class="muted">{plural(issue.count, 'event')}</span>
          </div>
          {events.error !== undefined && <ErrorNote onRetry={events.reload}>{describeError(events.error)}</ErrorNote>}
          {!events.data && events.error === undefined && <Spinner />}
          {events.data && (
            <>
              <ul class="events events-compact" aria-label="Events of this issue">
                {events.data.errors.map((e) => (
                  <EventRow key={e.id} event={e} projectId={project.id} selected={!!shown && e.id === shown.id} compact />
                ))}
              </ul>
              {(stack.length > 0 || events.data.nextCursor) && (
                <nav class="pager" aria-label="Event pages">
                  <button type="button" class="btn btn-small" disabled={stack.length === 0} onClick={() => setStack(stack.slice(0, -1))}>
                    ← Newer
                  </button>
                  <span class="muted">Page {stack.length + 1}</span>
                  <button
                    type="button"
                    class="btn btn-small"
                    disabled={!events.data.nextCursor}
                    onClick={() => events.data?.nextCursor && setStack([...stack, events.data.nextCursor])}
                  >
                    Older →
                  </button>
                </nav>
              )}
            </>
          )}
          {chosenId && (
            <p>
              <button type="button" class="btn btn-small btn-ghost" onClick={() => navigate(hrefWith(loc, {event: null}))}>
                Show the latest event
              </button>
            </p>
          )}
        </aside>
      </div>
    </div>
  )
}

import type {ComponentChildren} from 'preact'
import type {IssueStatus, Level} from '../api.js'
import {absoluteTime, relativeTime} from '../format.js'

export function LevelBadge({level}: {level: Level}) {
  return <span class={`badge level level-${level}`}>{level}</span>
}

const STATUS_LABEL: Record<IssueStatus, string> = {unresolved: 'Unresolved', resolved: 'Resolved', ignored: 'Ignored'}

export function StatusBadge({status}: {status: IssueStatus}) {
  return (
    <span class={`badge status status-${status}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  )
}

/** A relative time ("5 min ago") with the exact time on hover and for assistive tech. */
export function Time({iso}: {iso: string}) {
  const exact = absoluteTime(iso)
  return (
    <time dateTime={iso} title={exact} aria-label={exact}>
      {relativeTime(iso)}
    </time>
  )
}

export function Spinner({label = 'Loading…'}: {label?: string}) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  )
}

export function ErrorNote({children, onRetry}: {children: ComponentChildren; onRetry?: () => void}) {
  return (
    <div class="note note-error" role="alert">
      <span>{children}</span>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  )
}

export function EmptyState({title, children, icon = 'inbox'}: {title: string; children?: ComponentChildren; icon?: 'inbox' | 'folder' | 'search' | 'check'}) {
  return (
    <section class="empty" aria-label={title}>
      <EmptyIcon kind={icon} />
      <h2>{title}</h2>
      {children}
    </section>
  )
}

function EmptyIcon({kind}: {kind: 'inbox' | 'folder' | 'search' | 'check'}) {
  const paths: Record<typeof kind, string> = {
    inbox: 'M4 13h4l2 3h4l2-3h4M5 5h14l1 8v6H4v-6z',
    folder: 'M3 7h6l2 2h10v10H3zM12 12v5M9.5 14.5h5',
    search: 'M10.5 4a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13zM15.5 15.5 20 20',
    check: 'M20 6 9 17l-5-5',
  }
  return (
    <svg class="empty-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[kind]} />
    </svg>
  )
}

export function Field({
  id,
  label,
  hint,
  children,
}: {
  id: string
  label: string
  hint?: ComponentChildren
  children: ComponentChildren
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  )
}

import {api, ApiError, type Interval, type Project} from '../api.js'
import {EmptyState} from '../components/basics.js'
import {useAsync} from '../hooks.js'
import {Link} from '../router.js'

/** The API has no single-project GET: the list holds what the user may see. */
export function useProject(id: number) {
  return useAsync(async (): Promise<Project> => {
    const found = (await api.projects()).find((p) => p.id === id)
    if (!found) throw new ApiError(404, 'not_found', `There is no project ${id}, or it is not yours.`)
    return found
  }, [id])
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404
}

export function NotFoundState({what = 'page'}: {what?: string}) {
  return (
    <EmptyState title={`This ${what} does not exist`} icon="search">
      <p>It may have been deleted, or it belongs to someone else.</p>
      <p>
        <Link class="btn btn-primary" href="/app/projects">
          Go to your projects
        </Link>
      </p>
    </EmptyState>
  )
}

export const RANGES = [
  {id: '1h', label: 'Last hour', interval: 'minute'},
  {id: '24h', label: 'Last 24 hours', interval: 'hour'},
  {id: '7d', label: 'Last 7 days', interval: 'hour'},
  {id: '30d', label: 'Last 30 days', interval: 'day'},
  {id: '90d', label: 'Last 90 days', interval: 'day'},
] as const satisfies ReadonlyArray<{id: string; label: string; interval: Interval}>

export type RangeId = (typeof RANGES)[number]['id']
export const DEFAULT_RANGE: RangeId = '7d'

export function rangeOf(raw: string | null) {
  return RANGES.find((r) => r.id === raw) ?? RANGES.find((r) => r.id === DEFAULT_RANGE)!
}

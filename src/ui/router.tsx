// A small history router: the dashboard lives under /app (and at /), so its URLs never
// collide with the JSON API's. Links are real <a href> elements: they open in a new tab,
// can be copied, and work with the keyboard.

import type {ComponentChildren, TargetedMouseEvent} from 'preact'
import {useEffect, useState} from 'preact/hooks'

const listeners = new Set<() => void>()

function notify(): void {
  for (const listener of listeners) listener()
}

window.addEventListener('popstate', notify)

export function navigate(to: string, options: {replace?: boolean} = {}): void {
  const samePage = to.split('?')[0] === location.pathname
  if (options.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  notify()
  if (!samePage) window.scrollTo(0, 0)
}

export interface Location {
  path: string
  search: URLSearchParams
  /** path + query, as given to navigate(). */
  href: string
}

function current(): Location {
  return {path: location.pathname, search: new URLSearchParams(location.search), href: location.pathname + location.search}
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current)
  useEffect(() => {
    const update = () => setLoc(current())
    listeners.add(update)
    return () => {
      listeners.delete(update)
    }
  }, [])
  return loc
}

/** The current URL with some query parameters changed (empty values removed). */
export function hrefWith(loc: Location, changes: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams(loc.search)
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') search.delete(key)
    else search.set(key, value)
  }
  const qs = search.toString()
  return qs ? `${loc.path}?${qs}` : loc.path
}

interface LinkProps {
  href: string
  class?: string
  title?: string
  'aria-label'?: string
  'aria-current'?: 'page' | 'true'
  children?: ComponentChildren
  onClick?: (event: TargetedMouseEvent<HTMLAnchorElement>) => void
}

export function Link({href, onClick, children, ...rest}: LinkProps) {
  return (
    <a
      href={href}
      onClick={(event) => {
        onClick?.(event)
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        event.preventDefault()
        navigate(href)
      }}
      {...rest}
    >
      {children}
    </a>
  )
}

/** Replaces the URL once mounted (for guards: "log in first", "/" → "/app/projects"). */
export function Redirect({to}: {to: string}) {
  useEffect(() => navigate(to, {replace: true}), [to])
  return null
}

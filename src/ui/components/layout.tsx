import type {ComponentChildren} from 'preact'
import {useEffect, useRef} from 'preact/hooks'
import {api, describeError} from '../api.js'
import {Link, navigate, useLocation} from '../router.js'
import {useSession} from '../session.js'
import {useToast} from './toast.js'

export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" />
      <path d="M9 23 16 8l7 15" />
      <circle cx="16" cy="19" r="2" />
    </svg>
  )
}

/** Moves focus to the page's content after a navigation, so keyboard and screen reader users start there. */
function useFocusOnNavigate() {
  const loc = useLocation()
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    main.current?.focus({preventScroll: true})
  }, [loc.path])
  return main
}

export function Layout({children}: {children: ComponentChildren}) {
  const {session, setUser} = useSession()
  const notify = useToast()
  const main = useFocusOnNavigate()
  const user = session.user
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <Link class="brand" href="/app/projects">
            <Logo />
            <span>crashlog</span>
          </Link>
          <nav aria-label="Main" class="topnav">
            <Link href="/app/projects">Projects</Link>
          </nav>
          <span class="spacer" />
          {user && (
            <span class="who" title={user.email}>
              <span class="avatar" aria-hidden="true">
                {(user.name || user.email).slice(0, 1).toUpperCase()}
              </span>
              <span class="who-name">{user.name}</span>
              {user.role === 'admin' && <span class="badge badge-admin">admin</span>}
            </span>
          )}
          <button
            type="button"
            class="btn btn-ghost"
            onClick={async () => {
              try {
                await api.logout()
              } catch (err) {
                notify(describeError(err), 'error')
                return
              }
              setUser(null)
              navigate('/app/login', {replace: true})
              notify('You are logged out.')
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} class="main">
        {children}
      </main>
    </div>
  )
}

/** The logged-out screens: a centred card. */
export function AuthLayout({children}: {children: ComponentChildren}) {
  return (
    <main id="main" class="auth">
      <div class="auth-brand">
        <Logo />
        <span>crashlog</span>
      </div>
      {children}
      <p class="auth-foot">Self-hosted error logging</p>
    </main>
  )
}

export function Breadcrumbs({items}: {items: Array<{label: string; href?: string}>}) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        {items.map((item, i) => (
          <li key={i}>
            {item.href ? (
              <Link href={item.href}>{item.label}</Link>
            ) : (
              <span aria-current="page">{item.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  )
}

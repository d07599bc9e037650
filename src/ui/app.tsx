import {useEffect, useState} from 'preact/hooks'
import {api, describeError, onUnauthorized, type Session} from './api.js'
import {EmptyState, ErrorNote, Spinner} from './components/basics.js'
import {AuthLayout, Layout} from './components/layout.js'
import {ToastProvider} from './components/toast.js'
import {LoginPage, safeNext, SignupPage} from './pages/auth.js'
import {IssuePage} from './pages/issue.js'
import {ProjectPage} from './pages/project.js'
import {ProjectsPage} from './pages/projects.js'
import {SettingsPage} from './pages/settings.js'
import {Link, Redirect, useLocation} from './router.js'
import {SessionContext} from './session.js'

type Route =
  | {name: 'home'}
  | {name: 'login'}
  | {name: 'signup'}
  | {name: 'projects'}
  | {name: 'project'; id: number}
  | {name: 'settings'; id: number}
  | {name: 'issue'; id: number; issueId: string}
  | {name: 'notFound'}

export function matchRoute(path: string): Route {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path
  if (p === '/' || p === '/app') return {name: 'home'}
  if (p === '/app/login') return {name: 'login'}
  if (p === '/app/signup') return {name: 'signup'}
  if (p === '/app/projects') return {name: 'projects'}
  let m = /^\/app\/projects\/(\d{1,15})$/.exec(p)
  if (m) return {name: 'project', id: Number(m[1])}
  m = /^\/app\/projects\/(\d{1,15})\/settings$/.exec(p)
  if (m) return {name: 'settings', id: Number(m[1])}
  m = /^\/app\/projects\/(\d{1,15})\/issues\/([0-9a-f]{1,64})$/.exec(p)
  if (m) return {name: 'issue', id: Number(m[1]), issueId: m[2]}
  return {name: 'notFound'}
}

export function App() {
  const [session, setSession] = useState<Session | null>(null)
  const [bootError, setBootError] = useState<unknown>(undefined)
  const [attempt, setAttempt] = useState(0)
  const loc = useLocation()

  useEffect(() => {
    setBootError(undefined)
    api.session().then(setSession, setBootError)
  }, [attempt])
  // A 401 anywhere means the session ended: back to the login screen.
  useEffect(() => onUnauthorized(() => setSession((s) => (s ? {...s, user: null} : s))), [])

  if (bootError !== undefined) {
    return (
      <AuthLayout>
        <ErrorNote onRetry={() => setAttempt((n) => n + 1)}>{describeError(bootError)}</ErrorNote>
      </AuthLayout>
    )
  }
  if (!session) {
    return (
      <AuthLayout>
        <Spinner />
      </AuthLayout>
    )
  }

  const value = {session, setUser: (user: Session['user']) => setSession((s) => ({...(s ?? session), user}))}
  const route = matchRoute(loc.path)
  let content
  if (route.name === 'login' || route.name === 'signup') {
    content = session.user ? <Redirect to={safeNext(loc.search.get('next'))} /> : <AuthLayout>{route.name === 'login' ? <LoginPage /> : <SignupPage />}</AuthLayout>
  } else if (!session.user) {
    const next = route.name === 'home' || route.name === 'projects' ? '' : `?next=${encodeURIComponent(loc.href)}`
    content = <Redirect to={`/app/login${next}`} />
  } else {
    content = <Layout>{page(route)}</Layout>
  }
  return (
    <SessionContext.Provider value={value}>
      <ToastProvider>{content}</ToastProvider>
    </SessionContext.Provider>
  )
}

function page(route: Route) {
  switch (route.name) {
    case 'home':
      return <Redirect to="/app/projects" />
    case 'projects':
      return <ProjectsPage />
    case 'project':
      return <ProjectPage key={route.id} id={route.id} />
    case 'settings':
      return <SettingsPage key={route.id} id={route.id} />
    case 'issue':
      return <IssuePage key={`${route.id}/${route.issueId}`} projectId={route.id} issueId={route.issueId} />
    default:
      return (
        <div class="page">
          <EmptyState title="Page not found" icon="search">
            <p>
              <Link class="btn btn-primary" href="/app/projects">
                Go to your projects
              </Link>
            </p>
          </EmptyState>
        </div>
      )
  }
}

import {useState} from 'preact/hooks'
import {api, describeError} from '../api.js'
import {Field} from '../components/basics.js'
import {useTitle} from '../hooks.js'
import {Link, navigate, useLocation} from '../router.js'
import {useSession} from '../session.js'

/** Only our own pages: never an absolute or protocol-relative URL (no open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/app/') && !next.startsWith('//') ? next : '/app/projects'
}

function useAuthSubmit(run: () => Promise<{user: import('../api.js').User}>) {
  const {setUser} = useSession()
  const loc = useLocation()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      const {user} = await run()
      setUser(user)
      navigate(safeNext(loc.search.get('next')), {replace: true})
    } catch (err) {
      setError(describeError(err))
      setBusy(false)
    }
  }
  return {busy, error, submit}
}

export function LoginPage() {
  useTitle('Log in')
  const {session} = useSession()
  const loc = useLocation()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const {busy, error, submit} = useAuthSubmit(() => api.login(email, password))
  const next = loc.search.get('next')
  return (
    <section class="auth-card" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      <form class="form" onSubmit={submit}>
        <Field id="login-email" label="Email">
          <input id="login-email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field id="login-password" label="Password">
          <input id="login-password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      {session.signup === 'open' ? (
        <p class="auth-alt">
          New here? <Link href={next ? `/app/signup?next=${encodeURIComponent(next)}` : '/app/signup'}>Create an account</Link>
        </p>
      ) : (
        <p class="auth-alt muted">
          Accounts are created by an administrator with <code>crashlog user create</code>.
        </p>
      )}
    </section>
  )
}

export function SignupPage() {
  useTitle('Create an account')
  const {session} = useSession()
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const {busy, error, submit} = useAuthSubmit(() => api.signup(name, email, password))
  if (session.signup !== 'open') {
    return (
      <section class="auth-card" aria-labelledby="signup-title">
        <h1 id="signup-title">Sign-up is closed</h1>
        <p>
          On this server, accounts are created by an administrator with <code>crashlog user create</code>.
        </p>
        <p class="auth-alt">
          <Link href="/app/login">Log in</Link>
        </p>
      </section>
    )
  }
  return (
    <section class="auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Create an account</h1>
      <form class="form" onSubmit={submit}>
        <Field id="signup-name" label="Name">
          <input id="signup-name" autoComplete="name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="signup-email" label="Email">
          <input id="signup-email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field id="signup-password" label="Password" hint="At least 8 characters.">
          <input
            id="signup-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={72}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-describedby="signup-password-hint"
          />
        </Field>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p class="auth-alt">
        Already have an account? <Link href="/app/login">Log in</Link>
      </p>
    </section>
  )
}

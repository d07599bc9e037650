import {useCallback, useEffect, useRef, useState} from 'preact/hooks'

export interface Async<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  /** Loads again with the same inputs (after a change the page made itself). */
  reload: () => void
  /** Replaces the data without a request (after a PATCH answered with the new value). */
  set: (value: T) => void
}

/**
 * Runs `load` whenever `deps` change. An answer that arrives after the inputs changed
 * again is dropped, so a slow response can never overwrite a newer one.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{data: T | undefined; error: unknown; loading: boolean}>({data: undefined, error: undefined, loading: true})
  const [nonce, setNonce] = useState(0)
  const seq = useRef(0)
  useEffect(() => {
    const mine = ++seq.current
    setState((s) => ({...s, loading: true, error: undefined}))
    load().then(
      (data) => {
        if (mine === seq.current) setState({data, error: undefined, loading: false})
      },
      (error: unknown) => {
        if (mine === seq.current) setState({data: undefined, error, loading: false})
      },
    )
  }, [...deps, nonce])
  const reload = useCallback(() => setNonce((n) => n + 1), [])
  const set = useCallback((value: T) => setState({data: value, error: undefined, loading: false}), [])
  return {...state, reload, set}
}

/** Calls `fn` every `ms` while `active`. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const saved = useRef(fn)
  saved.current = fn
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => saved.current(), ms)
    return () => clearInterval(timer)
  }, [ms, active])
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · crashlog` : 'crashlog'
  }, [title])
}

import {createContext, type ComponentChildren} from 'preact'
import {useCallback, useContext, useState} from 'preact/hooks'

interface Toast {
  id: number
  text: string
  kind: 'ok' | 'error'
}

const ToastContext = createContext<(text: string, kind?: Toast['kind']) => void>(() => undefined)

export function useToast() {
  return useContext(ToastContext)
}

let next = 0

/** Short confirmations ("Issue resolved"), read out by screen readers through a live region. */
export function ToastProvider({children}: {children: ComponentChildren}) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const notify = useCallback((text: string, kind: Toast['kind'] = 'ok') => {
    const id = ++next
    setToasts((list) => [...list.slice(-2), {id, text, kind}])
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), 4000)
  }, [])
  return (
    <ToastContext.Provider value={notify}>
      {children}
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} class={`toast toast-${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}

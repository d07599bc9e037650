import type {ComponentChildren} from 'preact'
import {useEffect, useId, useRef} from 'preact/hooks'

/**
 * A native <dialog> opened with showModal(): the browser traps focus, Escape closes it,
 * and focus returns where it was. Mount it to open it; `onClose` unmounts it.
 */
export function Modal({title, onClose, children, wide = false}: {title: string; onClose: () => void; children: ComponentChildren; wide?: boolean}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const closeRef = useRef(onClose)
  closeRef.current = onClose
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    const opener = document.activeElement as HTMLElement | null
    dialog.showModal()
    const closed = () => closeRef.current()
    dialog.addEventListener('close', closed)
    return () => {
      dialog.removeEventListener('close', closed)
      if (dialog.open) dialog.close()
      opener?.focus?.()
    }
  }, [])
  return (
    <dialog ref={ref} class={wide ? 'modal modal-wide' : 'modal'} aria-labelledby={titleId}>
      <div class="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={() => ref.current?.close()}>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6 6 18" />
          </svg>
        </button>
      </div>
      <div class="modal-body">{children}</div>
    </dialog>
  )
}

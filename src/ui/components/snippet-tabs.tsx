import {useRef, useState} from 'preact/hooks'
import {snippets} from '../snippets.js'
import {CodeBlock} from './copy.js'

/** curl / browser / Node tabs (arrow keys move between tabs, as in any tab list). */
export function SnippetTabs({apiKey, dsn, idPrefix = 'snippet'}: {apiKey?: string; dsn?: string; idPrefix?: string}) {
  const all = snippets(location.origin, apiKey, dsn)
  const [active, setActive] = useState(all[0].id)
  const tabs = useRef<Array<HTMLButtonElement | null>>([])
  const select = (index: number) => {
    const next = (index + all.length) % all.length
    setActive(all[next].id)
    tabs.current[next]?.focus()
  }
  const current = all.find((s) => s.id === active) ?? all[0]
  return (
    <div class="snippets">
      <div class="tabs tabs-small" role="tablist" aria-label="Ways to send errors">
        {all.map((s, i) => (
          <button
            key={s.id}
            ref={(el) => {
              tabs.current[i] = el
            }}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${s.id}`}
            aria-selected={s.id === active}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={s.id === active ? 0 : -1}
            class={s.id === active ? 'tab active' : 'tab'}
            onClick={() => setActive(s.id)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight') select(i + 1)
              else if (e.key === 'ArrowLeft') select(i - 1)
              else return
              e.preventDefault()
            }}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${current.id}`}>
        <CodeBlock code={current.code} label={`${current.label} snippet`} />
      </div>
    </div>
  )
}

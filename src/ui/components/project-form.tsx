import {useState} from 'preact/hooks'
import {describeError, type Project} from '../api.js'
import {Field} from './basics.js'

export interface ProjectFields {
  name: string
  description: string
  slug: string
}

/** Create and edit share one form; the slug may be left empty on create (made from the name). */
export function ProjectForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
  idPrefix,
}: {
  initial?: Project
  submitLabel: string
  onSubmit: (fields: ProjectFields) => Promise<void>
  onCancel?: () => void
  idPrefix: string
}) {
  const [fields, setFields] = useState<ProjectFields>({name: initial?.name ?? '', description: initial?.description ?? '', slug: initial?.slug ?? ''})
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const set = (key: keyof ProjectFields) => (e: Event) => setFields({...fields, [key]: (e.currentTarget as HTMLInputElement).value})
  return (
    <form
      class="form"
      onSubmit={async (e) => {
        e.preventDefault()
        setBusy(true)
        setError('')
        try {
          await onSubmit(fields)
        } catch (err) {
          setError(describeError(err))
        } finally {
          setBusy(false)
        }
      }}
    >
      <Field id={`${idPrefix}-name`} label="Name">
        <input id={`${idPrefix}-name`} name="name" required maxLength={100} value={fields.name} onInput={set('name')} placeholder="Web shop" />
      </Field>
      <Field id={`${idPrefix}-description`} label="Description (optional)">
        <textarea id={`${idPrefix}-description`} name="description" maxLength={1000} rows={2} value={fields.description} onInput={set('description')} />
      </Field>
      <Field
        id={`${idPrefix}-slug`}
        label={initial ? 'Slug' : 'Slug (optional)'}
        hint="Lower-case letters, digits and dashes; used by the CLI (crashlog project show <slug>)."
      >
        <input
          id={`${idPrefix}-slug`}
          name="slug"
          class="mono"
          pattern="[a-z0-9]([a-z0-9\-]{0,62}[a-z0-9])?"
          maxLength={64}
          value={fields.slug}
          onInput={set('slug')}
          placeholder={initial ? '' : 'made from the name'}
          aria-describedby={`${idPrefix}-slug-hint`}
        />
      </Field>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" class="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}

/** Only the fields that are set (an empty slug on create lets the server choose). */
export function projectBody(fields: ProjectFields, editing: boolean): {name: string; description?: string; slug?: string} {
  const body: {name: string; description?: string; slug?: string} = {name: fields.name.trim()}
  if (fields.description.trim() || editing) body.description = fields.description.trim()
  if (fields.slug.trim()) body.slug = fields.slug.trim()
  return body
}

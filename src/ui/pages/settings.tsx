import {useState} from 'preact/hooks'
import {api, describeError, type Project, type ProjectWithKey} from '../api.js'
import {ErrorNote, Field, Spinner, Time} from '../components/basics.js'
import {CopyButton} from '../components/copy.js'
import {KeyDialog} from '../components/key-dialog.js'
import {Breadcrumbs} from '../components/layout.js'
import {Modal} from '../components/modal.js'
import {ProjectForm, projectBody} from '../components/project-form.js'
import {SnippetTabs} from '../components/snippet-tabs.js'
import {dsnWithPlaceholder, KEY_PLACEHOLDER} from '../snippets.js'
import {useToast} from '../components/toast.js'
import {useTitle} from '../hooks.js'
import {navigate} from '../router.js'
import {isNotFound, NotFoundState, useProject} from './common.js'

export function SettingsPage({id}: {id: number}) {
  const project = useProject(id)
  useTitle(project.data ? `Settings · ${project.data.name}` : 'Settings')
  if (project.error !== undefined) {
    return <div class="page">{isNotFound(project.error) ? <NotFoundState what="project" /> : <ErrorNote onRetry={project.reload}>{describeError(project.error)}</ErrorNote>}</div>
  }
  if (!project.data) return <div class="page"><Spinner /></div>
  return <SettingsView key={project.data.updatedAt} project={project.data} onChange={project.set} />
}

function SettingsView({project, onChange}: {project: Project; onChange: (p: Project) => void}) {
  const notify = useToast()
  const [confirmRotate, setConfirmRotate] = useState(false)
  const [rotated, setRotated] = useState<ProjectWithKey | null>(null)
  const [deleting, setDeleting] = useState(false)

  return (
    <div class="page page-narrow">
      <Breadcrumbs
        items={[
          {label: 'Projects', href: '/app/projects'},
          {label: project.name, href: `/app/projects/${project.id}`},
          {label: 'Settings'},
        ]}
      />
      <div class="page-head">
        <h1>Settings</h1>
      </div>

      <section class="card section" aria-labelledby="details-title">
        <h2 id="details-title">Project</h2>
        <ProjectForm
          initial={project}
          submitLabel="Save changes"
          idPrefix="edit-project"
          onSubmit={async (fields) => {
            onChange(await api.updateProject(project.id, projectBody(fields, true)))
            notify('Project saved')
          }}
        />
      </section>

      <section class="card section" aria-labelledby="key-title">
        <h2 id="key-title">API key</h2>
        <p>
          Current key: <code data-testid="key-prefix">{project.keyPrefix}…</code> · issued <Time iso={project.keyRotatedAt} />
        </p>
        <p class="muted">Only a hash of the key is stored, so it cannot be shown again. Rotate it to get a new one; the current key stops working at once.</p>
        {project.dsnTemplate && (
          <div class="field">
            <span class="label-like">Sentry DSN (put the key where it says {KEY_PLACEHOLDER})</span>
            <div class="dsn-row">
              <code data-testid="dsn-template">{dsnWithPlaceholder(project.dsnTemplate)}</code>
              <CopyButton text={dsnWithPlaceholder(project.dsnTemplate) ?? ''} what="DSN" />
            </div>
          </div>
        )}
        <button type="button" class="btn" onClick={() => setConfirmRotate(true)}>
          Rotate key…
        </button>
      </section>

      <section class="card section" aria-labelledby="send-title">
        <h2 id="send-title">Send errors</h2>
        <p class="muted">
          Replace <code>YOUR_API_KEY</code> with the project's key.
        </p>
        <SnippetTabs dsn={dsnWithPlaceholder(project.dsnTemplate)} idPrefix="settings-snippet" />
      </section>

      <section class="card section danger" aria-labelledby="danger-title">
        <h2 id="danger-title">Delete project</h2>
        <p class="muted">Deletes the project with all of its errors and issues. This cannot be undone.</p>
        <button type="button" class="btn btn-danger" onClick={() => setDeleting(true)}>
          Delete project…
        </button>
      </section>

      {confirmRotate && (
        <RotateDialog
          project={project}
          onClose={() => setConfirmRotate(false)}
          onRotated={(result) => {
            setConfirmRotate(false)
            setRotated(result)
          }}
        />
      )}
      {rotated && (
        <KeyDialog
          project={rotated.project}
          apiKey={rotated.apiKey}
          dsn={rotated.dsn}
          rotated
          onClose={() => {
            onChange(rotated.project)
            setRotated(null)
          }}
        />
      )}
      {deleting && (
        <DeleteDialog
          project={project}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            notify(`Project ${project.name} deleted`)
            navigate('/app/projects', {replace: true})
          }}
        />
      )}
    </div>
  )
}

function RotateDialog({project, onClose, onRotated}: {project: Project; onClose: () => void; onRotated: (r: ProjectWithKey) => void}) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  return (
    <Modal title="Rotate the API key?" onClose={onClose}>
      <p>
        Apps that send errors with the current key (<code>{project.keyPrefix}…</code>) will be refused from now on. You will see the new key once.
      </p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="modal-actions">
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true)
            try {
              onRotated(await api.rotateKey(project.id))
            } catch (err) {
              setError(describeError(err))
              setBusy(false)
            }
          }}
        >
          {busy ? 'Rotating…' : 'Rotate key'}
        </button>
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  )
}

function DeleteDialog({project, onClose, onDeleted}: {project: Project; onClose: () => void; onDeleted: () => void}) {
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  return (
    <Modal title={`Delete ${project.name}?`} onClose={onClose}>
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault()
          if (typed !== project.slug) return
          setBusy(true)
          try {
            await api.deleteProject(project.id)
            onDeleted()
          } catch (err) {
            setError(describeError(err))
            setBusy(false)
          }
        }}
      >
        <p>All of its errors and issues are deleted too, and its API key stops working.</p>
        <Field id="delete-confirm" label={`Type ${project.slug} to confirm`}>
          <input id="delete-confirm" class="mono" autoComplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        </Field>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="modal-actions">
          <button type="submit" class="btn btn-danger" disabled={busy || typed !== project.slug}>
            {busy ? 'Deleting…' : 'Delete project'}
          </button>
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  )
}

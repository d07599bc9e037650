import {useState} from 'preact/hooks'
import {api, describeError, type Project, type ProjectWithKey} from '../api.js'
import {EmptyState, ErrorNote, Spinner, Time} from '../components/basics.js'
import {KeyDialog} from '../components/key-dialog.js'
import {Modal} from '../components/modal.js'
import {ProjectForm, projectBody, type ProjectFields} from '../components/project-form.js'
import {useAsync, useTitle} from '../hooks.js'
import {Link, navigate} from '../router.js'

export function ProjectsPage() {
  useTitle('Projects')
  const projects = useAsync(() => api.projects(), [])
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<ProjectWithKey | null>(null)

  const create = async (fields: ProjectFields) => {
    const result = await api.createProject(projectBody(fields, false))
    setCreating(false)
    setCreated(result)
    projects.reload()
  }

  const list = projects.data ?? []
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>Projects</h1>
          <p class="muted">Each project has its own API key and its own errors.</p>
        </div>
        {list.length > 0 && (
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </div>

      {projects.loading && !projects.data && <Spinner />}
      {projects.error !== undefined && <ErrorNote onRetry={projects.reload}>{describeError(projects.error)}</ErrorNote>}

      {projects.data && list.length === 0 && (
        <EmptyState title="No projects yet" icon="folder">
          <p>Create a project for the app whose errors you want to collect. You get an API key and a snippet to paste into your app.</p>
          <div class="empty-form">
            <ProjectForm submitLabel="Create project" onSubmit={create} idPrefix="first-project" />
          </div>
        </EmptyState>
      )}

      {list.length > 0 && (
        <ul class="project-grid" aria-label="Projects">
          {list.map((p) => (
            <ProjectCard key={p.id} project={p} />
          ))}
        </ul>
      )}

      {creating && (
        <Modal title="New project" onClose={() => setCreating(false)}>
          <ProjectForm submitLabel="Create project" onSubmit={create} onCancel={() => setCreating(false)} idPrefix="new-project" />
        </Modal>
      )}
      {created && (
        <KeyDialog
          project={created.project}
          apiKey={created.apiKey}
          dsn={created.dsn}
          rotated={false}
          onClose={() => {
            const id = created.project.id
            setCreated(null)
            navigate(`/app/projects/${id}`)
          }}
        />
      )}
    </div>
  )
}

function ProjectCard({project}: {project: Project}) {
  return (
    <li class="card project-card" data-project-id={project.id}>
      <div class="project-card-head">
        <h2>
          <Link href={`/app/projects/${project.id}`}>{project.name}</Link>
        </h2>
        <Link class="btn btn-small btn-ghost" href={`/app/projects/${project.id}/settings`} aria-label={`Settings of ${project.name}`}>
          Settings
        </Link>
      </div>
      {project.description && <p class="project-desc">{project.description}</p>}
      <dl class="meta">
        <div>
          <dt>Slug</dt>
          <dd>
            <code>{project.slug}</code>
          </dd>
        </div>
        <div>
          <dt>Key</dt>
          <dd>
            <code>{project.keyPrefix}…</code>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time iso={project.createdAt} />
          </dd>
        </div>
      </dl>
    </li>
  )
}


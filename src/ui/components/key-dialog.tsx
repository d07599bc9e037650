import type {Project} from '../api.js'
import {CopyButton} from './copy.js'
import {Modal} from './modal.js'
import {SnippetTabs} from './snippet-tabs.js'

/**
 * The only time a key is shown: after a project is created or its key rotated. The key
 * lives in this component's props and nowhere else; closing the dialog drops it.
 */
export function KeyDialog({project, apiKey, dsn, rotated, onClose}: {project: Project; apiKey: string; dsn?: string; rotated: boolean; onClose: () => void}) {
  return (
    <Modal title={rotated ? `New API key for ${project.name}` : `${project.name} is ready`} onClose={onClose} wide>
      <div class="note note-warn">
        <strong>Copy this key now.</strong> crashlog keeps only a hash of it, so it is shown this once. {rotated ? 'The old key no longer works.' : ''}
      </div>
      <div class="field">
        <label for="api-key">API key</label>
        <div class="key-row">
          <input id="api-key" class="mono" type="text" readOnly value={apiKey} onFocus={(e) => e.currentTarget.select()} data-testid="api-key" />
          <CopyButton text={apiKey} what="API key" />
        </div>
      </div>
      {dsn && (
        <div class="field">
          <label for="api-dsn">Sentry DSN (for the official Sentry SDKs)</label>
          <div class="key-row">
            <input id="api-dsn" class="mono" type="text" readOnly value={dsn} onFocus={(e) => e.currentTarget.select()} data-testid="api-dsn" />
            <CopyButton text={dsn} what="DSN" />
          </div>
        </div>
      )}
      <h3 class="subhead">Send your first error</h3>
      <p class="muted">Paste one of these into your app (or a terminal). Errors show up on the project page within a second.</p>
      <SnippetTabs apiKey={apiKey} dsn={dsn} idPrefix="key-snippet" />
      <div class="modal-actions">
        <button type="button" class="btn btn-primary" onClick={onClose}>
          I have saved the key
        </button>
      </div>
    </Modal>
  )
}

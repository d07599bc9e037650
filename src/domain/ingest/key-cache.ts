import type {Project} from '../../store/types.js'

/**
 * API key → project, so ingestion does not read the database on every request.
 * Rotation on this instance evicts at once; another instance keeps accepting a
 * rotated key for at most `ttlMs` (CRASHLOG_KEY_CACHE, default 5 s).
 * Unknown keys are not cached, so a fresh key works everywhere immediately.
 */
export class KeyCache {
  private readonly entries = new Map<string, {project: Project; expires: number}>()

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(keyHash: string, now = Date.now()): Project | undefined {
    const entry = this.entries.get(keyHash)
    if (!entry) return undefined
    if (entry.expires <= now) {
      this.entries.delete(keyHash)
      return undefined
    }
    return entry.project
  }

  set(keyHash: string, project: Project, now = Date.now()): void {
    if (this.ttlMs <= 0) return
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(keyHash, {project, expires: now + this.ttlMs})
  }

  evict(keyHash: string): void {
    this.entries.delete(keyHash)
  }

  clear(): void {
    this.entries.clear()
  }
}

// A bounded memo for pure functions of a string. Errors repeat: the same stack trace,
// message and field names arrive again and again, and parsing or normalising them
// is most of what an event costs to prepare.

export class Memo<V> {
  private readonly map = new Map<string, V>()

  /**
   * At most `size` entries; keys longer than `maxKeyLength` are computed every time
   * (a few huge values must not pin megabytes).
   */
  constructor(
    private readonly size: number,
    private readonly maxKeyLength: number,
  ) {}

  get(key: string, compute: (key: string) => V): V {
    const hit = this.map.get(key)
    if (hit !== undefined) return hit
    const value = compute(key)
    if (key.length <= this.maxKeyLength) {
      // The oldest entry goes (insertion order): cheaper than LRU bookkeeping on every
      // hit, and an entry still in use is simply computed again once.
      if (this.map.size >= this.size) this.map.delete(this.map.keys().next().value as string)
      this.map.set(key, value)
    }
    return value
  }

  get entries(): number {
    return this.map.size
  }
}

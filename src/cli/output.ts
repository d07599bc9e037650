/** A plain aligned text table for terminals; --json prints the data instead. */
export function formatTable(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((row) => row.map((c) => (c === null || c === undefined ? '' : String(c)).replace(/\s+/g, ' ')))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(headers), ...cells.map(line)].join('\n')
}

export function formatFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  return fields.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v ?? ''}`).join('\n')
}

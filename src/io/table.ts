// Columns for a terminal. A dozen lines of our own: npm's text-table is unmaintained, and
// column widths here never need more than padding.
import type { IO } from './io.js'

/** Rows under a header, each column as wide as its widest cell; `style` dresses the header. */
export function table(header: string[], rows: string[][], style: (s: string) => string = (s) => s): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ')
  return [style(line(header)), ...rows.map(line)].join('\n')
}

/**
 * A name -> permission list: a table on a terminal, npm's `name: permission` lines otherwise.
 * Nothing to list: `empty` said on a terminal, nothing printed otherwise (as npm prints nothing).
 */
export function printPermissions(io: IO, column: string, entries: Record<string, string>, empty: string): void {
  const rows = Object.entries(entries)
  if (io.isStdoutTTY) io.print(rows.length ? table([column, 'PERMISSIONS'], rows, io.out.bold) : empty)
  else for (const [name, permissions] of rows) io.print(`${name}: ${permissions}`)
}

/** A table no wider than `width`: the widest column cut (with …) until it fits, none narrower than 12. */
export function fittedTable(header: string[], rows: string[][], width: number | undefined, style?: (s: string) => string): string {
  if (!width) return table(header, rows, style)
  const cut = rows.map((r) => [...r])
  const widths = header.map((h, i) => Math.max(h.length, ...cut.map((r) => (r[i] ?? '').length)))
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths))
    if (widths[widest] <= 12) break
    widths[widest] -= Math.min(widths[widest] - 12, total() - width)
    for (const r of cut) if ((r[widest] ?? '').length > widths[widest]) r[widest] = `${r[widest].slice(0, widths[widest] - 1)}…`
  }
  return table(header, cut, style)
}

// The examples block every command's --help ends with.
export function examples(lines: [command: string, what: string][]): string {
  const width = Math.max(...lines.map(([c]) => c.length))
  return '\nExamples:\n' + lines.map(([c, what]) => `  $ ${c.padEnd(width)}  ${what}`).join('\n')
}

// npm run docs: docs/commands.md, the reference of every command, made from pkgs's own --help
// (so it says exactly what --help says); test/docs.test.ts fails when the file is out of step.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../bin/pkgs.js', import.meta.url))
const env = { ...process.env, NO_COLOR: '1', COLUMNS: '100' }
delete env.FORCE_COLOR

function help(path) {
  return execFileSync(process.execPath, [bin, ...path, '--help'], { env, encoding: 'utf8' })
}

/** The names in a help text's "Commands:" section, without commander's own `help`. */
function commandsIn(text) {
  const section = text.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? ''
  return section
    .split('\n')
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name) => name && name !== 'help')
}

export function reference() {
  const parts = ['# pkgs commands', '', 'Every command and its options, as `pkgs <command> --help` prints them (made by `npm run docs`).', '']
  const visit = (path) => {
    const text = help(path).trimEnd()
    parts.push(`## ${['pkgs', ...path].join(' ')}`, '', '```', text, '```', '')
    for (const name of commandsIn(text)) visit([...path, name])
  }
  visit([])
  return parts.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(fileURLToPath(new URL('../docs/commands.md', import.meta.url)), reference())
}

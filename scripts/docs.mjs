// npm run docs: docs/commands.md, the reference of every command, made from pkgs's own --help
// (so it says exactly what --help says); test/docs.test.ts fails when the file is out of step.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const bin = fileURLToPath(new URL('../bin/pkgs.cjs', import.meta.url))
const env = { ...process.env, NO_COLOR: '1', COLUMNS: '100' }
delete env.FORCE_COLOR
// --help needs no certificate: without this, Node 20 reads the whole bundle it names at every
// start of each of the ~50 processes (~65 ms of CPU each on a machine that sets it)
delete env.NODE_EXTRA_CA_CERTS

async function help(path) {
  return (await promisify(execFile)(process.execPath, [bin, ...path, '--help'], { env, encoding: 'utf8' })).stdout
}

/** The names in a help text's "Commands:" section, without commander's own `help`. */
function commandsIn(text) {
  const section = text.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? ''
  return section
    .split('\n')
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name) => name && name !== 'help')
}

/** The reference, in the order of the help texts: a command, then each of its commands in turn. */
export async function reference() {
  // the help of a command's commands is asked for all at once: one process each, side by side
  const visit = async (path) => {
    const text = (await help(path)).trimEnd()
    const below = await Promise.all(commandsIn(text).map((name) => visit([...path, name])))
    return [`## ${['pkgs', ...path].join(' ')}`, '', '```', text, '```', '', ...below.flat()]
  }
  const header = ['# pkgs commands', '', 'Every command and its options, as `pkgs <command> --help` prints them (made by `npm run docs`).', '']
  return [...header, ...(await visit([]))].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(fileURLToPath(new URL('../docs/commands.md', import.meta.url)), await reference())
}

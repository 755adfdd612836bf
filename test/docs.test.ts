// docs/commands.md is the reference that ships with pkgs: it must say what --help says.
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { reference } from '../scripts/docs.mjs'
import { commandPaths } from './support/commands.js'
import { repoRoot } from './support/sandbox.js'

it("docs/commands.md is in step with every command's --help (npm run docs remakes it), and every help has examples", async () => {
  const made = await reference()
  expect(readFileSync(`${repoRoot}/docs/commands.md`, 'utf8'), 'run npm run docs').toBe(made)
  const sections = made.split(/^## /m).slice(1)
  const headings = sections.map((section) => section.split('\n')[0])
  // a section for every command and group in the command index
  const paths = await commandPaths()
  const groups = new Set(paths.filter((path) => path.length > 1).map(([group]) => group))
  for (const command of [...paths.map((path) => path.join(' ')), ...groups]) expect(headings).toContain(`pkgs ${command}`)
  for (const section of sections) expect(section, section.split('\n')[0]).toContain('\nExamples:\n')
})

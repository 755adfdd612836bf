// docs/commands.md is the reference that ships with pkgs: it must say what --help says.
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { reference } from '../scripts/docs.mjs'
import { repoRoot } from './support/sandbox.js'

it("docs/commands.md is in step with every command's --help (npm run docs remakes it), and every help has examples", async () => {
  const made = await reference()
  expect(readFileSync(`${repoRoot}/docs/commands.md`, 'utf8'), 'run npm run docs').toBe(made)
  for (const group of ['trust', 'stage', 'token', 'team', 'org', 'scope']) expect(made).toContain(`## pkgs ${group} `)
  const sections = made.split(/^## /m).slice(1)
  expect(sections.length).toBeGreaterThan(40)
  for (const section of sections) expect(section, section.split('\n')[0]).toContain('\nExamples:\n')
})

// A workspace released by pkgs to a real Verdaccio installs as another user with npm, in a project
// outside the workspace: the rewritten ranges resolve to the versions the release published.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { loggedIn, runNpm, runPkgs } from './support/sandbox.js'

const registry = inject('verdaccio')

describe('a release on Verdaccio', () => {
  it('installs with npm as another user', async () => {
    const id = randomBytes(4).toString('hex')
    const [core, app] = [`@acme/rel-core-${id}`, `@acme/rel-app-${id}`]
    const alice = loggedIn(registry, 'alice')
    alice.writePackageJson({ name: 'monorepo', private: true, workspaces: ['packages/*'] })
    for (const [folder, pkg] of Object.entries({ core: { name: core }, app: { name: app, dependencies: { [core]: 'workspace:^' } } })) {
      const dir = join(alice.cwd, 'packages', folder)
      mkdirSync(dir, { recursive: true })
      alice.writePackageJson({ version: '1.0.0', main: 'index.js', ...pkg }, dir)
      writeFileSync(join(dir, 'index.js'), 'module.exports = 1\n')
    }
    const res = await runPkgs(['publish', '--workspaces', '--json'], alice, { timeoutMs: 60_000 })
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ published: 2, failed: 0 })

    const bob = loggedIn(registry, 'bob')
    bob.writePackageJson({ name: 'consumer', version: '1.0.0', private: true })
    const install = await runNpm(['install', app], bob, { timeoutMs: 60_000 })
    expect(install.code, install.stderr).toBe(0)
    expect(existsSync(join(bob.cwd, 'node_modules', core, 'package.json'))).toBe(true)
  })
})

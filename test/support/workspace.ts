// Workspaces for the release tests: the root package.json and each package's folder, in a sandbox.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Sandbox } from './sandbox.js'

/** A workspace in the sandbox's folder: the root package.json and each package's folder. */
export function writeWorkspace(sandbox: Sandbox, packages: Record<string, Record<string, unknown>>, root: Record<string, unknown> = {}): void {
  sandbox.writePackageJson({ name: 'monorepo', private: true, workspaces: ['packages/*'], ...root })
  for (const [folder, pkg] of Object.entries(packages)) {
    const dir = join(sandbox.cwd, 'packages', folder)
    mkdirSync(dir, { recursive: true })
    sandbox.writePackageJson({ version: '1.0.0', main: 'index.js', ...pkg }, dir)
    writeFileSync(join(dir, 'index.js'), `module.exports = ${JSON.stringify(pkg.name)}\n`)
  }
}

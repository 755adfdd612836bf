// vitest global set-up: refuses a stale build, makes the run's temporary folder (every sandbox,
// the npm cache and each Verdaccio's storage go in it; removed when the run ends), and starts both
// Verdaccio lines together once for the whole run.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { repoRoot, runFolderVariable } from './sandbox.js'
import { ensureNextLineInstalled, startVerdaccio } from './verdaccio.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  requireFreshBuild()
  // the workers are started after this and inherit the variable: makeSandbox() reads it
  const runFolder = mkdtempSync(join(tmpdir(), 'pkgs-test-run-'))
  process.env[runFolderVariable] = runFolder
  try {
    ensureNextLineInstalled()
    const [stable, next] = await Promise.all([startVerdaccio('stable', { parent: runFolder }), startVerdaccio('next', { parent: runFolder })])
    const info = ({ close: _close, ...rest }: typeof stable) => rest
    project.provide('verdaccio', info(stable))
    project.provide('verdaccioNext', info(next))
    return async () => {
      await Promise.all([stable.close(), next.close()])
      rmSync(runFolder, { recursive: true, force: true })
    }
  } catch (err) {
    rmSync(runFolder, { recursive: true, force: true })
    throw err
  }
}

/**
 * The tests run the built CLI (dist/), not src/: a file of src/ changed after the last build would
 * leave the tests checking old code without a word. `npm test` builds first; a bare `npx vitest`
 * after an edit stops here.
 */
function requireFreshBuild(): void {
  const built = ['cli.cjs', 'program.cjs'].map((file) => statSync(join(repoRoot, 'dist', file), { throwIfNoEntry: false })?.mtimeMs)
  const newest = newestFile(join(repoRoot, 'src'))
  if (built.some((time) => time === undefined)) throw new Error('dist/ has no build of pkgs: run `npm run build` (npm test builds first)')
  const buildTime = Math.min(...(built as number[]))
  if (newest.mtimeMs > buildTime) {
    throw new Error(`dist/ is older than ${newest.path.slice(repoRoot.length + 1)}: run \`npm run build\` before vitest (npm test builds first)`)
  }
}

function newestFile(dir: string): { path: string; mtimeMs: number } {
  let newest = { path: dir, mtimeMs: 0 }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const found = entry.isDirectory() ? newestFile(path) : { path, mtimeMs: statSync(path).mtimeMs }
    if (found.mtimeMs > newest.mtimeMs) newest = found
  }
  return newest
}

// vitest global set-up: both Verdaccio lines, started together once for the whole run.
import type { TestProject } from 'vitest/node'
import { ensureNextLineInstalled, startVerdaccio } from './verdaccio.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureNextLineInstalled()
  const [stable, next] = await Promise.all([startVerdaccio('stable'), startVerdaccio('next')])
  const info = ({ close: _close, ...rest }: typeof stable) => rest
  project.provide('verdaccio', info(stable))
  project.provide('verdaccioNext', info(next))
  return async () => {
    await Promise.all([stable.close(), next.close()])
  }
}

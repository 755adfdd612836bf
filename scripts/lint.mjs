// `npm run lint`: the dependency rules (dependency-cruiser, .dependency-cruiser.cjs) and unused
// files, exports and dependencies (knip, knip.json). Both always run, so one report does not
// hide the other; the exit code is 1 when either finds something.
//
// dependency-cruiser exits with the number of violations, which the shell sees modulo 256 (256
// violations would pass): its own summary line is checked as well.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)

/** Runs one tool; `passed` (when given) also reads its output, which is then piped. */
function run(label, cmd, args, passed) {
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', passed ? 'pipe' : 'inherit', 'inherit'] })
  if (passed) process.stdout.write(res.stdout ?? '')
  const ok = res.status === 0 && (!passed || passed(res.stdout ?? ''))
  if (!ok) console.error(`lint: ${label} failed${res.error ? ` (${res.error.message})` : ''}`)
  return ok
}

const deps = run('dependency rules (npm run lint:deps)', bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], (out) =>
  /no dependency violations found/.test(out),
)
const knip = run('knip (npm run lint:knip)', bin('knip'), ['--no-progress'])
process.exitCode = deps && knip ? 0 : 1

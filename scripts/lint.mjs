// `npm run lint`: the dependency rules (dependency-cruiser, .dependency-cruiser.cjs), unused
// files, exports and dependencies (knip, knip.json) and the format (Prettier, .prettierrc.json;
// `npm run format` rewrites). All run side by side, so one report does
// not hide the other; their reports are printed one after the other, and the exit code is 1 when
// either finds something. Each keeps a cache in node_modules/.cache (as the build's tsc does), so
// a run after a small change checks only what changed: ~8 s of CPU less per `npm test`.
//
// dependency-cruiser exits with the number of violations, which the shell sees modulo 256 (256
// violations would pass): its own summary line is checked as well.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)

/** Runs one tool; resolves to its output and whether it passed (exit 0 and `passed(stdout)`). */
function run(label, cmd, args, passed = () => true) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
    child.on('error', (e) => resolve({ label, out, err: err + `${e.message}\n`, ok: false }))
    child.on('close', (code) => resolve({ label, out, err, ok: code === 0 && passed(out) }))
  })
}

const results = await Promise.all([
  run(
    'dependency rules (npm run lint:deps)',
    bin('depcruise'),
    ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', '--cache', '--cache-strategy', 'content'],
    (out) => /no dependency violations found/.test(out),
  ),
  run('knip (npm run lint:knip)', bin('knip'), ['--no-progress', '--cache']),
  run('format (npm run format)', bin('prettier'), ['--check', '--log-level', 'warn', '.']),
])
for (const { label, out, err, ok } of results) {
  process.stdout.write(out)
  process.stderr.write(err)
  if (!ok) console.error(`lint: ${label} failed`)
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1

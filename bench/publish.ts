// pkgs publish against npm publish on a local Verdaccio: the dry run (scripts, packing, the
// registry checks) and the real upload, interleaved runs, medians and ratios, saved as JSON.
// Run: npm run build && tsc -p bench/tsconfig.json && node bench/.build/bench/publish.js
// A benchmark, not a test: nothing here asserts on time.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeSandbox, nerfDart, pkgsBin, repoRoot } from '../test/support/sandbox.js'
import { startVerdaccio } from '../test/support/verdaccio.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 10)

interface Case {
  name: string
  cmd: string
  args: string[]
  /** the package folder; real publishes get a new version before each run */
  dir: string
  bump?: boolean
}

/** A package like the tests' fixture: `files`, an .npmignore, a file made by prepack. */
function writeFixture(dir: string, name: string, version: string): void {
  mkdirSync(join(dir, 'lib'), { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version,
      main: 'lib/index.js',
      files: ['lib', 'generated.txt'],
      scripts: { prepack: `node -e "require('fs').writeFileSync('generated.txt', 'made by prepack')"` },
    }),
  )
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'lib', `m${i}.js`), `exports.n = ${i}\n`.repeat(50))
  writeFileSync(join(dir, 'lib', '.npmignore'), '*.secret\n')
  writeFileSync(join(dir, 'lib', 'key.secret'), 'no\n')
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main(): Promise<void> {
  const verdaccio = await startVerdaccio('stable')
  try {
    const sandbox = makeSandbox(`@bench:registry=${verdaccio.url}\n${nerfDart(verdaccio.url)}:_authToken=${verdaccio.users.alice.token}\n`)
    const node = process.execPath
    const dirs = { dry: join(sandbox.root, 'dry'), pkgs: join(sandbox.root, 'pkgs'), npm: join(sandbox.root, 'npm') }
    writeFixture(dirs.dry, '@bench/dry', '1.0.0')
    const versions = { pkgs: 0, npm: 0 }
    const cases: Case[] = [
      { name: 'pkgs publish --dry-run', cmd: node, args: [pkgsBin, 'publish', '--dry-run'], dir: dirs.dry },
      { name: 'npm publish --dry-run', cmd: 'npm', args: ['publish', '--dry-run'], dir: dirs.dry },
      { name: 'pkgs publish', cmd: node, args: [pkgsBin, 'publish'], dir: dirs.pkgs, bump: true },
      { name: 'npm publish', cmd: 'npm', args: ['publish'], dir: dirs.npm, bump: true },
    ]
    const timeOnce = (c: Case): number => {
      if (c.bump) {
        const who = c.cmd === 'npm' ? 'npm' : 'pkgs'
        writeFixture(c.dir, `@bench/by-${who}`, `1.0.${versions[who]++}`)
      }
      const start = process.hrtime.bigint()
      const res = spawnSync(c.cmd, c.args, { env: sandbox.env, cwd: c.dir, stdio: ['ignore', 'pipe', 'pipe'] })
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      if (res.status !== 0) throw new Error(`${c.name} exited ${res.status}: ${res.stderr}`)
      return ms
    }
    const samples = new Map(cases.map((c) => [c.name, [] as number[]]))
    for (const c of cases) timeOnce(c) // warm caches once
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length]
        samples.get(c.name)!.push(timeOnce(c))
      }
    }
    const medians = Object.fromEntries(cases.map((c) => [c.name, median(samples.get(c.name)!)]))
    const ratios = [
      { subject: 'pkgs publish --dry-run', baseline: 'npm publish --dry-run' },
      { subject: 'pkgs publish', baseline: 'npm publish' },
    ].map((r) => ({ ...r, ratio: Number((medians[r.subject] / medians[r.baseline]).toFixed(2)) }))

    console.log(`\nMedian wall time of ${rounds} interleaved runs (Verdaccio ${verdaccio.version} on loopback)\n`)
    console.log('| command | median ms |')
    console.log('|---|---:|')
    for (const c of cases) console.log(`| ${c.name} | ${medians[c.name].toFixed(1)} |`)
    console.log('\n| comparison | ratio |')
    console.log('|---|---:|')
    for (const r of ratios) console.log(`| ${r.subject} / ${r.baseline} | ${r.ratio} |`)

    const dir = join(repoRoot, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `publish-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
    const doc = { date: new Date().toISOString(), node: process.version, rounds, medians, samples: Object.fromEntries(samples), ratios }
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n')
    console.log(`\nSaved ${file}`)
  } finally {
    await verdaccio.close()
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)

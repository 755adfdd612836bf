// npm run bench: pkgs against node and npm, interleaved runs, medians and ratios, saved as JSON.
// A benchmark, not a test: nothing here asserts on time.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeSandbox, nerfDart, pkgsBin, repoRoot } from '../test/support/sandbox.js'
import { startVerdaccio } from '../test/support/verdaccio.js'

interface Case {
  name: string
  cmd: string
  args: string[]
}

interface Comparison {
  name: string
  subject: string
  baseline: string
  goal: number
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 15)

function timeOnce(c: Case, env: NodeJS.ProcessEnv, cwd: string): number {
  const start = process.hrtime.bigint()
  const res = spawnSync(c.cmd, c.args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (res.status !== 0) throw new Error(`${c.name} exited ${res.status}: ${res.stderr}`)
  return ms
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main(): Promise<void> {
  const verdaccio = await startVerdaccio('stable')
  try {
    const alice = verdaccio.users.alice
    const sandbox = makeSandbox(`registry=${verdaccio.url}\n${nerfDart(verdaccio.url)}:_authToken=${alice.token}\n`)
    const node = process.execPath
    const cases: Case[] = [
      { name: 'node -e 0', cmd: node, args: ['-e', '0'] },
      { name: 'pkgs --version', cmd: node, args: [pkgsBin, '--version'] },
      { name: 'pkgs --help', cmd: node, args: [pkgsBin, '--help'] },
      { name: 'npm --version', cmd: 'npm', args: ['--version'] },
      { name: 'pkgs whoami', cmd: node, args: [pkgsBin, 'whoami'] },
      { name: 'npm whoami', cmd: 'npm', args: ['whoami'] },
    ]
    const comparisons: Comparison[] = [
      { name: 'start-up', subject: 'pkgs --version', baseline: 'node -e 0', goal: 1.5 },
      { name: 'help', subject: 'pkgs --help', baseline: 'node -e 0', goal: 1.5 },
      { name: 'whoami', subject: 'pkgs whoami', baseline: 'npm whoami', goal: 0.6 },
    ]
    const samples = new Map(cases.map((c) => [c.name, [] as number[]]))
    for (const c of cases) timeOnce(c, sandbox.env, sandbox.cwd) // warm caches once
    for (let round = 0; round < rounds; round++) {
      // rotate the order each round so no command always runs first (or after the same one)
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length]
        samples.get(c.name)!.push(timeOnce(c, sandbox.env, sandbox.cwd))
      }
    }
    const medians = Object.fromEntries(cases.map((c) => [c.name, median(samples.get(c.name)!)]))
    const ratios = comparisons.map((cmp) => {
      const ratio = medians[cmp.subject] / medians[cmp.baseline]
      return { ...cmp, ratio: Number(ratio.toFixed(2)), met: ratio <= cmp.goal }
    })

    console.log(`\nMedian wall time of ${rounds} interleaved runs (Verdaccio ${verdaccio.version} on loopback)\n`)
    console.log('| command | median ms |')
    console.log('|---|---:|')
    for (const c of cases) console.log(`| ${c.name} | ${medians[c.name].toFixed(1)} |`)
    console.log('\n| comparison | ratio | goal | met |')
    console.log('|---|---:|---:|---|')
    for (const r of ratios) console.log(`| ${r.subject} / ${r.baseline} | ${r.ratio} | ≤ ${r.goal} | ${r.met ? 'yes' : 'no'} |`)

    const dir = join(repoRoot, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `startup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
    const doc = { date: new Date().toISOString(), node: process.version, rounds, medians, samples: Object.fromEntries(samples), ratios }
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n')
    writeFileSync(join(dir, 'latest.json'), JSON.stringify(doc, null, 2) + '\n')
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

// npm run bench: pkgs against node and npm, interleaved runs, medians and ratios, saved as JSON.
// A benchmark, not a test: nothing here asserts on time.
import { makeSandbox, nerfDart, pkgsBin } from '../test/support/sandbox.js'
import { startVerdaccio } from '../test/support/verdaccio.js'
import { interleave, runBenchmark, save, summarize, type Case } from './measure.js'

interface Comparison {
  name: string
  subject: string
  baseline: string
  goal: number
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 15)

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
    ].map((c) => ({ ...c, cwd: sandbox.cwd }))
    const comparisons: Comparison[] = [
      { name: 'start-up', subject: 'pkgs --version', baseline: 'node -e 0', goal: 1.5 },
      { name: 'help', subject: 'pkgs --help', baseline: 'node -e 0', goal: 1.3 },
      { name: 'whoami', subject: 'pkgs whoami', baseline: 'npm whoami', goal: 0.5 },
    ]
    const samples = interleave(cases, rounds, sandbox.env, { memory: false })
    const summary = summarize(samples)
    const medians = Object.fromEntries(Object.entries(summary).map(([name, s]) => [name, s.ms]))
    const ratios = comparisons.map((cmp) => {
      const ratio = medians[cmp.subject] / medians[cmp.baseline]
      return { ...cmp, ratio: Number(ratio.toFixed(2)), met: ratio <= cmp.goal }
    })

    console.log(`\nMedian wall time of ${rounds} interleaved runs on Node ${process.versions.node} (Verdaccio ${verdaccio.version} on loopback)\n`)
    console.log('| command | median ms | ms above node -e 0 |')
    console.log('|---|---:|---:|')
    for (const c of cases) console.log(`| ${c.name} | ${medians[c.name].toFixed(1)} | ${(medians[c.name] - medians['node -e 0']).toFixed(1)} |`)
    console.log('\n| comparison | ratio | goal | met |')
    console.log('|---|---:|---:|---|')
    for (const r of ratios) console.log(`| ${r.subject} / ${r.baseline} | ${r.ratio} | ≤ ${r.goal} | ${r.met ? 'yes' : 'no'} |`)
    console.log(`\nSaved ${save('startup', { rounds, medians, samples: Object.fromEntries(samples), ratios })}`)
  } finally {
    await verdaccio.close()
  }
}

runBenchmark(main)

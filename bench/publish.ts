// pkgs publish against npm publish of a 2,000-file package on a local Verdaccio: the dry run
// (scripts, packing, registry checks) and the real upload; wall time and peak memory.
// A benchmark, not a test: nothing here asserts on time.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeSandbox, nerfDart, pkgsBin } from '../test/support/sandbox.js'
import { startVerdaccio } from '../test/support/verdaccio.js'
import { interleave, printTable, runBenchmark, save, summarize, type Case } from './measure.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const fileCount = 2000

/** `files`, an .npmignore, a file made by prepack, and 2,000 modules in 20 folders. */
function writeFixture(dir: string, name: string, version: string): void {
  const pkg = {
    name,
    version,
    main: 'lib/index.js',
    files: ['lib', 'generated.txt'],
    scripts: { prepack: `node -e "require('fs').writeFileSync('generated.txt', 'made by prepack')"` },
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
}

function writeFiles(dir: string): void {
  for (let i = 0; i < fileCount; i++) {
    const folder = join(dir, 'lib', `part${Math.floor(i / 100)}`)
    if (i % 100 === 0) mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, `m${i}.js`), `exports.n = ${i}\n`.repeat(20))
  }
  writeFileSync(join(dir, 'lib', '.npmignore'), '*.secret\n')
  writeFileSync(join(dir, 'lib', 'key.secret'), 'no\n')
}

async function main(): Promise<void> {
  const verdaccio = await startVerdaccio('stable')
  try {
    const sandbox = makeSandbox(`@bench:registry=${verdaccio.url}\n${nerfDart(verdaccio.url)}:_authToken=${verdaccio.users.alice.token}\n`)
    const node = process.execPath
    const versions = { pkgs: 0, npm: 0 }
    const folder = (who: string) => {
      const dir = join(sandbox.root, who)
      mkdirSync(dir, { recursive: true })
      writeFiles(dir)
      return dir
    }
    const dirs = { dry: folder('dry'), pkgs: folder('pkgs'), npm: folder('npm') }
    writeFixture(dirs.dry, '@bench/dry', '1.0.0')
    const bump = (who: 'pkgs' | 'npm') => () => writeFixture(dirs[who], `@bench/by-${who}`, `1.0.${versions[who]++}`)
    const cases: Case[] = [
      { name: 'pkgs publish --dry-run', cmd: node, args: [pkgsBin, 'publish', '--dry-run'], cwd: dirs.dry },
      { name: 'npm publish --dry-run', cmd: 'npm', args: ['publish', '--dry-run'], cwd: dirs.dry },
      { name: 'pkgs publish', cmd: node, args: [pkgsBin, 'publish'], cwd: dirs.pkgs, before: bump('pkgs') },
      { name: 'npm publish', cmd: 'npm', args: ['publish'], cwd: dirs.npm, before: bump('npm') },
    ]
    const samples = interleave(cases, rounds, sandbox.env)
    const summary = summarize(samples)
    printTable(`pkgs publish vs npm publish, ${fileCount} files: medians of ${rounds} interleaved runs (Verdaccio ${verdaccio.version} on loopback)`, summary)
    const ratios = [
      { subject: 'pkgs publish --dry-run', baseline: 'npm publish --dry-run' },
      { subject: 'pkgs publish', baseline: 'npm publish' },
    ].map((r) => ({
      ...r,
      time: Number((summary[r.subject].ms / summary[r.baseline].ms).toFixed(2)),
      memory:
        summary[r.subject].maxRssMb && summary[r.baseline].maxRssMb
          ? Number((summary[r.subject].maxRssMb! / summary[r.baseline].maxRssMb!).toFixed(2))
          : undefined,
    }))
    console.log('\n| comparison | time ratio | memory ratio | goal |')
    console.log('|---|---:|---:|---|')
    for (const r of ratios) console.log(`| ${r.subject} / ${r.baseline} | ${r.time} | ${r.memory ?? '–'} | ≤ 1 both |`)
    console.log(`\nSaved ${save('publish', { rounds, fileCount, summary, samples: Object.fromEntries(samples), ratios })}`)
  } finally {
    await verdaccio.close()
  }
}

runBenchmark(main)
